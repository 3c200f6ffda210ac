// The one atomic file writer (`ConfigFile.write`), on real files in a temporary folder: what a user
// or another process sees of a configuration file being replaced.
import Foundation
import XCTest

@testable import VMSConfig

final class ConfigFileTests: XCTestCase {
  private var folder: String!

  override func setUpWithError() throws {
    folder = NSTemporaryDirectory() + "vms-config-file-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws {
    try? FileManager.default.removeItem(atPath: folder)
  }

  private func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try XCTUnwrap(attributes[.posixPermissions] as? NSNumber).intValue
  }

  private func contents() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
  }

  func testReplacesTheContentAndKeepsThePermissionsTheUserGave() throws {
    let path = folder + "/vms.yaml"
    try "cameras: {}\n".write(toFile: path, atomically: false, encoding: .utf8)
    XCTAssertEqual(chmod(path, 0o640), 0)

    try ConfigFile.write("cameras:\n  front:\n    record_url: rtsp://192.0.2.1/s\n", to: path)

    XCTAssertEqual(
      ConfigFile.read(path), "cameras:\n  front:\n    record_url: rtsp://192.0.2.1/s\n")
    XCTAssertEqual(try mode(path), 0o640)
    XCTAssertEqual(try contents(), ["vms.yaml"], "no temporary file is left beside it")
  }

  func testANewFileIsReadableByItsOwnerOnly() throws {
    let path = folder + "/sessions.json"
    try ConfigFile.write(Data("{}".utf8), to: path)
    XCTAssertEqual(ConfigFile.read(path), "{}")
    XCTAssertEqual(try mode(path), 0o600)
  }

  /// Replaced by a rename, not rewritten in place: a reader that opened the old file reads all of
  /// the old text, and the name holds a different file with all of the new one.
  func testAReaderOfTheOldFileNeverSeesHalfOfTheNewOne() throws {
    let path = folder + "/vms.yaml"
    let old = String(repeating: "# old line\n", count: 1000)
    let new = String(repeating: "# new\n", count: 10)
    try ConfigFile.write(old, to: path)
    let reader = try XCTUnwrap(FileHandle(forReadingAtPath: path))
    defer { try? reader.close() }
    var before = stat()
    XCTAssertEqual(stat(path, &before), 0)

    try ConfigFile.write(new, to: path)

    XCTAssertEqual(String(decoding: try reader.readToEnd() ?? Data(), as: UTF8.self), old)
    XCTAssertEqual(ConfigFile.read(path), new)
    var after = stat()
    XCTAssertEqual(stat(path, &after), 0)
    XCTAssertNotEqual(before.st_ino, after.st_ino, "a new file took the name")
  }

  /// A replacement that cannot be made (here the name is a folder) throws, names the path, leaves
  /// what was there, and leaves no temporary file.
  func testAFailedReplacementLeavesTheOldFileAndNoTemporary() throws {
    let path = folder + "/vms.yaml"
    try FileManager.default.createDirectory(
      atPath: path + "/kept", withIntermediateDirectories: true)

    XCTAssertThrowsError(try ConfigFile.write("cameras: {}\n", to: path)) { error in
      XCTAssertTrue("\(error)".contains("cannot replace \(path)"), "\(error)")
    }
    XCTAssertTrue(FileManager.default.fileExists(atPath: path + "/kept"))
    XCTAssertEqual(try contents(), ["vms.yaml"], "the temporary file is removed")
  }

  func testAMissingFolderIsReportedWithThePath() throws {
    let path = folder + "/missing/vms.yaml"
    XCTAssertThrowsError(try ConfigFile.write("x\n", to: path)) { error in
      XCTAssertTrue("\(error)".contains(folder + "/missing/"), "\(error)")
    }
    XCTAssertEqual(try contents(), [])
  }
}
