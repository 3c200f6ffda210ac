/// Detectors: motion detection on small grayscale frames, as plugins.
///
/// What belongs here: the `MotionDetector` protocol, the frame and result types, the detectors
/// themselves, the registry that builds one from its YAML name and options, and the gate that turns
/// per-frame results into motion on/off (rate cap, warm-up, consecutive frames).
/// What does not: decoding, scaling, YAML parsing, HTTP, clocks. Callers pass times in.

/// An 8-bit grayscale image, row-major, no padding between rows (`pixels.count == width * height`).
public struct GrayFrame: Sendable {
  public var width: Int
  public var height: Int
  public var pixels: [UInt8]

  public init(width: Int, height: Int, pixels: [UInt8]) {
    precondition(pixels.count == width * height, "GrayFrame: pixel count must be width * height")
    self.width = width
    self.height = height
    self.pixels = pixels
  }
}

/// A moving area, in the analysed frame's pixel coordinates.
public struct MotionRegion: Sendable, Equatable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int

  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = width
    self.height = height
  }
}

/// What one detector said about one frame.
public struct MotionResult: Sendable, Equatable {
  /// Share of the frame's pixels classed as moving, 0 to 100.
  public var changedPercent: Double
  /// Bounding boxes of the moving areas (for the live overlay); may be empty.
  public var regions: [MotionRegion]

  public init(changedPercent: Double, regions: [MotionRegion] = []) {
    self.changedPercent = changedPercent
    self.regions = regions
  }

  public static let still = MotionResult(changedPercent: 0)
}

/// A motion detector. One instance serves one camera and is used from one actor only, so it may
/// keep mutable state (a background model) without locks.
public protocol MotionDetector: AnyObject {
  /// Analyses the next frame. Frames arrive in order, at about the configured `fps`, all the same size
  /// between two `reset()` calls.
  func analyse(_ frame: GrayFrame) -> MotionResult
  /// Analyses the next frame, `intervalSeconds` after the previous one (0: unknown). A detector
  /// whose settings are rates (a learning rate) converts them with it; the default ignores it.
  func analyse(_ frame: GrayFrame, intervalSeconds: Double) -> MotionResult
  /// Forgets everything learnt: called after every (re)connection, before the first frame.
  func reset()
}

extension MotionDetector {
  public func analyse(_ frame: GrayFrame, intervalSeconds: Double) -> MotionResult {
    analyse(frame)
  }
}

/// A detector's settings, as the `detector:` block of a camera in the YAML file gives them.
public struct DetectorSettings: Sendable, Equatable {
  /// Registry name: `mog2`, `framediff`, `none`, or a plugin's.
  public var type: String
  /// Analysis rate cap, frames per second.
  public var fps: Double
  /// Share of the frame (0 to 100) that must move for a frame to count as motion.
  public var minAreaPercent: Double
  /// Time after each (re)connection during which results are ignored.
  public var warmupSeconds: Double
  /// Detector-specific numeric options (for example `var_threshold` for mog2), by YAML key.
  public var options: [String: Double]
  /// Which frames of the detect stream are decoded while nobody watches (YAML `decode`).
  public var decode: DecodeMode

  public init(
    type: String = "mog2", fps: Double = 5, minAreaPercent: Double = 0.5, warmupSeconds: Double = 3,
    options: [String: Double] = [:], decode: DecodeMode = .all
  ) {
    self.type = type
    self.fps = fps
    self.minAreaPercent = minAreaPercent
    self.warmupSeconds = warmupSeconds
    self.options = options
    self.decode = decode
  }
}

/// Which frames of the detect stream reach the decoder (and so the detector).
public enum DecodeMode: String, Sendable, Equatable, CaseIterable {
  /// Every frame, analysed at up to `fps`: motion is seen within a frame or two.
  case all
  /// Keyframes only while nobody watches the live view: one picture per GOP, a fraction of the
  /// decoding cost; motion onset is seen up to one GOP late (pre-roll covers it).
  case keyframes
}
