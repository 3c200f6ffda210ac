import Foundation
import VMSConfig
import XCTest

final class ConfigEditorTests: XCTestCase {
  let keys: [String: Set<String>] = [
    "mog2": ["history", "var_threshold"], "framediff": ["threshold"], "none": [],
  ]

  let text = """
    # my cameras
    server:
      listen: "127.0.0.1:8080"
    cameras:
      a:   # the porch
        record_url: "rtsp://u:p@10.0.0.1/a"
        detector: { type: mog2 }

      b:
        record_url: rtsp://10.0.0.2/b
        name: "Back"
      # spare slot below
    storage:
      retention_days: 7
    """

  func testReplacingOneCameraKeepsEveryOtherLine() throws {
    let edited = try ConfigEditor.settingCamera(
      "b", to: [("name", .string("Back yard")), ("record_url", .string("rtsp://10.0.0.2/b"))],
      in: text)
    XCTAssertTrue(
      edited.contains(
        "  a:   # the porch\n    record_url: \"rtsp://u:p@10.0.0.1/a\"\n    detector: { type: mog2 }\n"
      ))
    XCTAssertTrue(
      edited.contains(
        "  b:\n    name: \"Back yard\"\n    record_url: \"rtsp://10.0.0.2/b\"\n  # spare slot below\nstorage:"
      ))
    XCTAssertTrue(edited.hasPrefix("# my cameras\n"))
    let config = try ConfigLoader.parse(
      text: edited, path: "/etc/vms/vms.yaml", detectorOptionKeys: keys)
    XCTAssertEqual(config.cameras.map(\.id), ["a", "b"])
    XCTAssertEqual(config.cameras[1].name, "Back yard")
    XCTAssertEqual(config.storage.retentionDays, 7)
  }

  func testAddingACameraAppendsToTheCamerasSection() throws {
    let edited = try ConfigEditor.settingCamera(
      "c",
      to: [
        ("record_url", .string("rtsp://10.0.0.3/c")),
        ("detector", .mapping([("type", .string("framediff")), ("fps", .number(2.5))])),
      ],
      in: text)
    let config = try ConfigLoader.parse(
      text: edited, path: "/etc/vms/vms.yaml", detectorOptionKeys: keys)
    XCTAssertEqual(config.cameras.map(\.id), ["a", "b", "c"])
    XCTAssertEqual(config.cameras[2].detector.type, "framediff")
    XCTAssertEqual(config.cameras[2].detector.fps, 2.5)
    XCTAssertEqual(config.storage.retentionDays, 7)
    XCTAssertTrue(edited.contains("  # spare slot below\nstorage:"))
  }

  func testRemovingACamera() throws {
    let edited = try ConfigEditor.removingCamera("a", from: text)
    let config = try ConfigLoader.parse(
      text: edited, path: "/etc/vms/vms.yaml", detectorOptionKeys: keys)
    XCTAssertEqual(config.cameras.map(\.id), ["b"])
    XCTAssertFalse(edited.contains("the porch"))
    XCTAssertThrowsError(try ConfigEditor.removingCamera("zz", from: text))
  }

  func testAddingToAnEmptyOrMissingCamerasSection() throws {
    for base in [
      "server:\n  listen: \"127.0.0.1:9000\"\ncameras:\n",
      "server:\n  listen: \"127.0.0.1:9000\"\ncameras: {}\n",
      "server:\n  listen: \"127.0.0.1:9000\"\n",
    ] {
      let edited = try ConfigEditor.settingCamera(
        "x", to: [("record_url", .string("rtsp://h/x"))], in: base)
      let config = try ConfigLoader.parse(text: edited, path: "/v.yaml", detectorOptionKeys: keys)
      XCTAssertEqual(config.cameras.map(\.id), ["x"], edited)
      XCTAssertEqual(config.server.listenPort, 9000)
    }
  }

  func testQuotingSurvivesHostileText() throws {
    let name = "Entrée \"porte\" # \\ : {x}\n- y"
    let edited = try ConfigEditor.settingCamera(
      "q", to: [("name", .string(name)), ("record_url", .string("rtsp://h/q"))], in: text)
    let config = try ConfigLoader.parse(text: edited, path: "/v.yaml", detectorOptionKeys: keys)
    XCTAssertEqual(config.cameras.first { $0.id == "q" }?.name, name)
  }

  // MARK: Editing keys in place

  /// The lines that differ between two texts: (removed, added).
  func diff(_ before: String, _ after: String) -> (removed: [String], added: [String]) {
    let old = before.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let new = after.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var removed: [String] = []
    var added: [String] = []
    for change in new.difference(from: old) {
      switch change {
      case .remove(_, let line, _): removed.append(line)
      case .insert(_, let line, _): added.append(line)
      }
    }
    return (removed, added)
  }

  let site = """
    # Entrée: caméras du site
    storage:
      retention_days: 14   # two weeks
    cameras:
      front:                # the porch
        name: Front door
        record_url: "rtsp://u:p@10.0.0.1/a"
        detector: { type: mog2, fps: 5, var_threshold: 25 }   # windy
        # tuned for the porch
        recording:
          post_roll: 4s
      back:
        name: 'Back'
        record_url: rtsp://10.0.0.2/b
        detect_url: rtsp://10.0.0.2/b2
        retention_days: 3
    """

  func parse(_ text: String) throws -> VMSConfiguration {
    try ConfigLoader.parse(text: text, path: "/etc/vms/vms.yaml", detectorOptionKeys: keys)
  }

  func testChangingAValueRewritesOnlyItsLineInTheUsersStyle() throws {
    let renamed = try ConfigEditor.editingCamera(
      "front", [.set(["name"], .string("Porch"))], in: site)
    XCTAssertTrue(
      diff(site, renamed) == (["    name: Front door"], ["    name: Porch"]),
      "\(diff(site, renamed))")
    // Single quotes stay single quotes; text that is not safe unquoted gets double quotes.
    let back = try ConfigEditor.editingCamera(
      "back", [.set(["name"], .string("Back's yard"))], in: site)
    XCTAssertTrue(
      diff(site, back) == (["    name: 'Back'"], ["    name: 'Back''s yard'"]),
      "\(diff(site, back))")
    let hostile = try ConfigEditor.editingCamera(
      "front", [.set(["name"], .string("a: b # c"))], in: site)
    XCTAssertTrue(
      diff(site, hostile) == (["    name: Front door"], ["    name: \"a: b # c\""]),
      "\(diff(site, hostile))")
    XCTAssertEqual(try parse(hostile).camera(id: "front")?.name, "a: b # c")
  }

  func testAValueInsideBracesChangesInPlaceAndKeepsItsComment() throws {
    let edited = try ConfigEditor.editingCamera(
      "front", [.set(["detector", "fps"], .number(2.5))], in: site)
    XCTAssertTrue(
      diff(site, edited)
        == (
          ["    detector: { type: mog2, fps: 5, var_threshold: 25 }   # windy"],
          ["    detector: { type: mog2, fps: 2.5, var_threshold: 25 }   # windy"]
        ), "\(diff(site, edited))")
    // A key the braces lack goes inside them.
    let warm = try ConfigEditor.editingCamera(
      "front", [.set(["detector", "warmup"], .word("5s"))], in: site)
    XCTAssertTrue(
      warm.contains(
        "    detector: { type: mog2, fps: 5, var_threshold: 25, warmup: 5s }   # windy\n"), warm)
    XCTAssertEqual(try parse(warm).camera(id: "front")?.detector.warmupSeconds, 5)
  }

  func testANewKeyIsOneLineAtTheEndOfItsBlock() throws {
    let edited = try ConfigEditor.editingCamera(
      "front",
      [.set(["recording", "pre_roll"], .word("2s")), .set(["retention_days"], .integer(7))],
      in: site)
    let (removed, added) = diff(site, edited)
    XCTAssertEqual(removed, [])
    XCTAssertEqual(added, ["      pre_roll: 2s", "    retention_days: 7"])
    XCTAssertTrue(
      edited.contains("      post_roll: 4s\n      pre_roll: 2s\n    retention_days: 7\n  back:\n"),
      edited)
    let camera = try XCTUnwrap(try parse(edited).camera(id: "front"))
    XCTAssertEqual(camera.recording.preRollSeconds, 2)
    XCTAssertEqual(camera.recording.postRollSeconds, 4)
    XCTAssertEqual(camera.retentionDays, 7)
    // A block the camera does not have yet is written as a block.
    let live = try ConfigEditor.editingCamera(
      "back", [.set(["live", "fps"], .number(5))], in: site)
    XCTAssertTrue(diff(site, live) == ([], ["    live:", "      fps: 5"]), "\(diff(site, live))")
    XCTAssertTrue(live.hasSuffix("    retention_days: 3\n    live:\n      fps: 5"), live)
  }

  func testAKeyLeftOutKeepsFollowingItsDefault() throws {
    let edited = try ConfigEditor.editingCamera(
      "front", [.set(["name"], .string("Porch"))], in: site)
    XCTAssertEqual(try parse(edited).camera(id: "front")?.retentionDays, 14)
    let later = edited.replacingOccurrences(of: "retention_days: 14", with: "retention_days: 30")
    XCTAssertEqual(try parse(later).camera(id: "front")?.retentionDays, 30)
  }

  func testRemovingAKeyTakesOnlyItsLine() throws {
    let edited = try ConfigEditor.editingCamera("back", [.remove(["detect_url"])], in: site)
    XCTAssertTrue(
      diff(site, edited) == (["    detect_url: rtsp://10.0.0.2/b2"], []), "\(diff(site, edited))")
    let option = try ConfigEditor.editingCamera(
      "front",
      [.set(["detector", "type"], .word("framediff")), .remove(["detector", "var_threshold"])],
      in: site)
    XCTAssertTrue(option.contains("    detector: { type: framediff, fps: 5 }   # windy\n"), option)
    XCTAssertEqual(try parse(option).camera(id: "front")?.detector.type, "framediff")
    let block = try ConfigEditor.editingCamera(
      "front", [.remove(["recording", "post_roll"])], in: site)
    XCTAssertTrue(diff(site, block) == (["      post_roll: 4s"], []), "\(diff(site, block))")
    // Nothing to remove: nothing changes.
    XCTAssertEqual(
      try ConfigEditor.editingCamera("front", [.remove(["live", "fps"])], in: site), site)
  }

  func testValuesFromAnAnchorAreCopiedNeverEditedInTheAnchor() throws {
    let text = """
      x-defaults: &camera
        detector: { type: mog2, fps: 5, warmup: 5s }
        retention_days: 9
      cameras:
        gate:
          <<: *camera
          record_url: rtsp://h/gate
        dock:
          <<: *camera
          record_url: rtsp://h/dock
      """
    let edited = try ConfigEditor.editingCamera(
      "gate", [.set(["detector", "fps"], .number(2)), .set(["retention_days"], .integer(30))],
      in: text)
    XCTAssertTrue(
      edited.hasPrefix(
        "x-defaults: &camera\n  detector: { type: mog2, fps: 5, warmup: 5s }\n  retention_days: 9\n"
      ), "the anchor was edited:\n\(edited)")
    let config = try parse(edited)
    let gate = try XCTUnwrap(config.camera(id: "gate"))
    XCTAssertEqual(gate.detector.fps, 2)
    XCTAssertEqual(gate.detector.warmupSeconds, 5, "the anchor's other values were lost")
    XCTAssertEqual(gate.retentionDays, 30)
    XCTAssertEqual(config.camera(id: "dock")?.detector.fps, 5)
    XCTAssertEqual(config.camera(id: "dock")?.retentionDays, 9)
    // The camera gets its own detector block: the anchor's values, with the change.
    XCTAssertTrue(
      edited.contains(
        "    record_url: rtsp://h/gate\n    detector:\n      type: mog2\n      fps: 2\n      warmup: 5s\n    retention_days: 30\n"
      ),
      edited)
  }

  func testAnAliasedValueIsReplacedNotItsAnchor() throws {
    let text = """
      x-names:
        main: &main "Main gate"
      cameras:
        gate:
          name: *main
          record_url: rtsp://h/gate
          detector: &fast { type: framediff, fps: 3 }
        dock:
          record_url: rtsp://h/dock
          detector: *fast
      """
    let named = try ConfigEditor.editingCamera("gate", [.set(["name"], .string("Gate"))], in: text)
    XCTAssertTrue(
      diff(text, named) == (["    name: *main"], ["    name: \"Gate\""]), "\(diff(text, named))")
    let faster = try ConfigEditor.editingCamera(
      "dock", [.set(["detector", "fps"], .number(6))], in: text)
    XCTAssertTrue(
      diff(text, faster) == (
        ["    detector: *fast"], ["    detector: { type: framediff, fps: 6 }"]
      ), "\(diff(text, faster))")
    let config = try parse(faster)
    XCTAssertEqual(config.camera(id: "gate")?.detector.fps, 3)
    XCTAssertEqual(config.camera(id: "dock")?.detector.fps, 6)
    XCTAssertEqual(config.camera(id: "dock")?.detector.type, "framediff")
  }

  func testAnEmptyBlockGetsItsFirstValue() throws {
    let text = "cameras:\n  a:\n    record_url: rtsp://h/a\n    detector:\n    name: A\n"
    let edited = try ConfigEditor.editingCamera(
      "a", [.set(["detector", "fps"], .number(3))], in: text)
    XCTAssertEqual(
      edited, "cameras:\n  a:\n    record_url: rtsp://h/a\n    detector: { fps: 3 }\n    name: A\n")
    XCTAssertEqual(try parse(edited).camera(id: "a")?.detector.fps, 3)
  }

  func testPositionsCountCharactersNotBytes() throws {
    let text =
      "# é à ü — 日本\ncameras:\n  a:   # caméra ✓\n    name: \"Entrée ✓\"\n    record_url: rtsp://h/a\n"
    let edited = try ConfigEditor.editingCamera(
      "a", [.set(["name"], .string("Sortie")), .set(["enabled"], .bool(false))], in: text)
    XCTAssertEqual(
      edited,
      "# é à ü — 日本\ncameras:\n  a:   # caméra ✓\n    name: \"Sortie\"\n    record_url: rtsp://h/a\n    enabled: false\n"
    )
  }

  func testAFileWithoutFinalLineBreakStaysWithout() throws {
    let text = "cameras:\n  a:\n    record_url: rtsp://h/a"
    let edited = try ConfigEditor.editingCamera(
      "a", [.set(["retention_days"], .integer(2))], in: text)
    XCTAssertEqual(edited, "cameras:\n  a:\n    record_url: rtsp://h/a\n    retention_days: 2")
  }

  func testAddingACameraWritesOnlyTheKeysGiven() throws {
    let edited = try ConfigEditor.addingCamera(
      "side",
      [
        .set(["name"], .string("Side")), .set(["record_url"], .string("rtsp://h/side")),
        .set(["detector", "fps"], .number(2)), .set(["detector", "warmup"], .word("1s")),
      ], in: site)
    XCTAssertTrue(
      edited.hasSuffix(
        "    retention_days: 3\n  side:\n    name: \"Side\"\n    record_url: \"rtsp://h/side\"\n    detector:\n      fps: 2\n      warmup: 1s"
      ),
      edited)
    XCTAssertTrue(edited.hasPrefix(site))
    XCTAssertEqual(try parse(edited).camera(id: "side")?.retentionDays, 14)
    // An id that is not valid is written quoted, so the check reports it rather than the YAML.
    let bad = try ConfigEditor.addingCamera(
      "Front Door: x", [.set(["record_url"], .string("rtsp://h/x"))], in: site)
    XCTAssertThrowsError(try parse(bad)) { error in
      let problem = (error as? ConfigError)?.problems.first
      XCTAssertEqual(problem?.key, "cameras.Front Door: x")
      XCTAssertTrue(
        problem?.message.contains("is not valid") == true, "\(String(describing: problem))")
    }
  }

  func testEditingAnUnknownCameraIsRefused() {
    XCTAssertThrowsError(
      try ConfigEditor.editingCamera("zz", [.set(["name"], .string("Z"))], in: site))
  }
}
