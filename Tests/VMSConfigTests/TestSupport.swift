// Shared helpers for the VMSConfig tests: the detector map the runtime would pass, and shortcuts
// to parse a text or collect its problems.

import VMSConfig
import XCTest

/// What `DetectorRegistry.builtIn.optionKeysByType` looks like, fixed here so these tests do not
/// change when a detector gains an option.
let testDetectorOptions: [String: Set<String>] = [
  "mog2": ["history", "var_threshold"],
  "framediff": ["threshold"],
  "none": [],
]

/// A well-formed bcrypt hash (of nothing in particular).
let testHash =
  "$2b$12$" + String(repeating: "abcdefghijklmnopqrstuvwxyz./0123456789", count: 2).prefix(53)

let testPath = "/etc/vms/vms.yaml"

func parse(
  _ text: String, path: String = testPath, file: StaticString = #filePath, line: UInt = #line
)
  throws -> VMSConfiguration
{
  do {
    return try ConfigLoader.parse(text: text, path: path, detectorOptionKeys: testDetectorOptions)
  } catch {
    XCTFail("unexpected problems:\n\(error)", file: file, line: line)
    throw error
  }
}

func problems(
  _ text: String, path: String = testPath, file: StaticString = #filePath, line: UInt = #line
)
  -> [ConfigProblem]
{
  do {
    _ = try ConfigLoader.parse(text: text, path: path, detectorOptionKeys: testDetectorOptions)
    XCTFail("expected problems, the text was accepted", file: file, line: line)
    return []
  } catch {
    return error.problems
  }
}

/// The single problem of `text`, failing the test when there is not exactly one.
func problem(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ConfigProblem? {
  let found = problems(text, file: file, line: line)
  XCTAssertEqual(
    found.count, 1,
    "expected one problem, got:\n\(found.map(\.description).joined(separator: "\n"))", file: file,
    line: line)
  return found.first
}
