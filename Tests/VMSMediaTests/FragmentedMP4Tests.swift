import Foundation
import XCTest

@testable import VMSMedia

/// A fragmented MP4 cut short keeps its complete fragments, and only those.
final class FragmentedMP4Tests: XCTestCase {
  func box(_ type: String, payload: Int) -> [UInt8] {
    let size = UInt32(8 + payload)
    return [
      UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF),
    ]
      + Array(type.utf8) + [UInt8](repeating: 0x5A, count: payload)
  }

  func file(_ bytes: [UInt8]) throws -> String {
    let path = NSTemporaryDirectory() + "fmp4-" + UUID().uuidString + ".mp4"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
  }

  func testCutsAHalfWrittenFragmentOff() throws {
    let head = box("ftyp", payload: 8) + box("moov", payload: 40)
    let fragment1 = box("moof", payload: 20) + box("mdat", payload: 300)
    let fragment2 = box("moof", payload: 20) + box("mdat", payload: 300)
    let path = try file(head + fragment1 + Array(fragment2.prefix(200)))
    XCTAssertEqual(try FragmentedMP4.completeLength(of: path), Int64(head.count + fragment1.count))
    XCTAssertEqual(
      try FragmentedMP4.trimToCompleteFragments(path), Int64(head.count + fragment1.count))
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    XCTAssertEqual((attributes[.size] as? NSNumber)?.intValue, head.count + fragment1.count)
  }

  func testAMoofWithoutItsMdatAndAHeaderCut() throws {
    let head = box("ftyp", payload: 8) + box("moov", payload: 40)
    let fragment = box("moof", payload: 20) + box("mdat", payload: 100)
    // A complete moof whose mdat never came.
    XCTAssertEqual(
      try FragmentedMP4.completeLength(of: try file(head + fragment + box("moof", payload: 20))),
      Int64(head.count + fragment.count))
    // A finished file (with its mfra) is kept whole.
    let finished = head + fragment + box("mfra", payload: 16)
    XCTAssertEqual(try FragmentedMP4.completeLength(of: try file(finished)), Int64(finished.count))
    // Nothing but a cut header: nothing to keep.
    XCTAssertThrowsError(try FragmentedMP4.completeLength(of: try file(Array(head.prefix(30)))))
  }
}

extension FragmentedMP4Tests {
  /// Garbage after the last fragment (a 64-bit size near Int64.max, a box still being written with
  /// size 0, a zero-filled tail) never traps and never counts as complete.
  func testGarbageTailsAreCutOff() throws {
    let head = box("ftyp", payload: 8) + box("moov", payload: 40)
    let fragment = box("moof", payload: 20) + box("mdat", payload: 100)
    let complete = Int64(head.count + fragment.count)
    let huge: [UInt8] =
      [0, 0, 0, 1] + Array("mdat".utf8) + [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0] + [
        1, 2, 3, 4,
      ]
    XCTAssertEqual(try FragmentedMP4.completeLength(of: try file(head + fragment + huge)), complete)
    let writing: [UInt8] = [0, 0, 0, 0] + Array("moof".utf8) + [UInt8](repeating: 7, count: 30)
    XCTAssertEqual(
      try FragmentedMP4.completeLength(of: try file(head + fragment + writing)), complete)
    let zeros = [UInt8](repeating: 0, count: 64)
    XCTAssertEqual(
      try FragmentedMP4.completeLength(of: try file(head + fragment + zeros)), complete)
  }
}
