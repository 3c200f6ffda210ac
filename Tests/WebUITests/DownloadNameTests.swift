import XCTest

@testable import WebUI

final class DownloadNameTests: XCTestCase {
  func testAccentsAreTransliteratedAndSpacesBecomeUnderscores() {
    XCTAssertEqual(
      DownloadName.make(
        cameraName: "Entrée Nord", day: "2026-11-25", timeOfDay: "21-35-46", comment: ""),
      "Entree_Nord_2026-11-25_21_35_46.mp4")
  }

  func testCommentIsSanitisedAndAppended() {
    XCTAssertEqual(
      DownloadName.make(
        cameraName: "Entrée", day: "2026-11-25", timeOfDay: "21-35-46",
        comment: "Livreur pressé / colis déposé à 21h"),
      "Entree_2026-11-25_21_35_46_Livreur_presse_colis_depose_a_21h.mp4")
  }

  func testUnsafeCharactersAreDropped() {
    XCTAssertEqual(DownloadName.ascii("../../etc/passwd\0;rm -rf *", limit: 60), "etcpasswdrm_-rf")
    XCTAssertEqual(
      DownloadName.ascii("Straße Œuvre Søren Łódź", limit: 60), "Strasse_OEuvre_Soren_Lodz")
    XCTAssertEqual(DownloadName.ascii("🎥 \"quoted\" name", limit: 60), "quoted_name")
  }

  func testEmptyCameraNameAndCommentAreHandled() {
    XCTAssertEqual(
      DownloadName.make(
        cameraName: "///", day: "2026-01-02", timeOfDay: "03-04-05", comment: "???"),
      "camera_2026-01-02_03_04_05.mp4")
  }

  func testLengthIsCapped() {
    let name = DownloadName.make(
      cameraName: String(repeating: "é", count: 200), day: "2026-01-02", timeOfDay: "03-04-05",
      comment: String(repeating: "commentaire ", count: 50))
    XCTAssertLessThanOrEqual(name.count, 40 + 20 + 1 + 60 + 4)
    XCTAssertTrue(name.hasPrefix(String(repeating: "e", count: 40) + "_2026-01-02_03_04_05_"))
    XCTAssertFalse(name.contains("__"))
    XCTAssertTrue(name.hasSuffix(".mp4"))
  }
}
