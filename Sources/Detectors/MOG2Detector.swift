// The `mog2` detector: OpenCV's Gaussian-mixture background model through the COpenCV C API.
// It adapts to slow light changes and swaying leaves better than a frame difference, at ~0.5 ms a frame
// at 320x180. A failure on the C side is reported as "no motion" (and kept in `lastError`): a detector
// must never take a camera down.
//
// `history` is written in frames at the configured `fps` (as OpenCV takes it); the model learns over
// the same time whatever rate the frames actually come at (`decode: keyframes` gives one a GOP):
// each frame's learning rate is its interval over the history's duration, OpenCV's own rule
// (1 / min(2 x frames seen, history)) converted to seconds.
import COpenCV

/// Motion by MOG2 background subtraction (shadow detection off).
public final class MOG2Detector: MotionDetector {
  /// Frames of history the model weighs at `framesPerSecond` (YAML `history`).
  public let history: Int
  /// The rate `history` is counted at (the detector's `fps`); 0: frames, whatever their rate.
  public let framesPerSecond: Double
  /// Frames analysed since the last reset, in units of the configured frame interval.
  private var framesSeenAtConfiguredRate = 0.0
  /// Squared distance from the model above which a pixel is foreground (YAML `var_threshold`).
  public let varThreshold: Double
  /// The last failure reported by the C side, as text; nil after a successful frame.
  public private(set) var lastError: String?

  /// Boxes reported per frame: the overlay needs a handful, not every speck.
  static let maxRegions = 16

  private var handle: OpaquePointer?
  private var boxes = [copencv_rect](repeating: copencv_rect(), count: MOG2Detector.maxRegions)

  public init(history: Int = 500, varThreshold: Double = 16, framesPerSecond: Double = 0) {
    self.history = history
    self.varThreshold = varThreshold
    self.framesPerSecond = framesPerSecond
    createModel()
  }

  deinit { copencv_mog2_destroy(handle) }

  public func analyse(_ frame: GrayFrame) -> MotionResult {
    analyse(frame, intervalSeconds: 0)
  }

  /// The learning rate for a frame `intervalSeconds` after the previous one: -1 (OpenCV's own, per
  /// frame) when the rate is unknown.
  func learningRate(intervalSeconds: Double) -> Double {
    guard framesPerSecond > 0, intervalSeconds > 0 else { return -1 }
    let frames = intervalSeconds * framesPerSecond  // configured frames this one stands for
    framesSeenAtConfiguredRate += frames
    let weighed = min(2 * framesSeenAtConfiguredRate, Double(history))
    return min(1, frames / max(1, weighed))
  }

  public func analyse(_ frame: GrayFrame, intervalSeconds: Double) -> MotionResult {
    if handle == nil { createModel() }
    // `pixels` is a public var: never trust it to still match the size when C reads it.
    guard let handle, frame.width > 0, frame.height > 0,
      frame.pixels.count == frame.width * frame.height
    else { return .still }
    let area = frame.width * frame.height
    // Blobs smaller than ~0.025% of the frame (14 pixels at 320x180) are noise, not objects.
    let minBlobPixels = Int32(max(4, area / 4000))
    var boxCount: Int32 = 0
    var foregroundPixels: Int64 = 0
    let rate = learningRate(intervalSeconds: intervalSeconds)
    let status = frame.pixels.withUnsafeBufferPointer { pixels in
      boxes.withUnsafeMutableBufferPointer { boxes in
        copencv_mog2_apply(
          handle, pixels.baseAddress!, Int32(frame.width), Int32(frame.height),
          Int32(frame.width), rate, minBlobPixels, boxes.baseAddress, Int32(boxes.count),
          &boxCount, &foregroundPixels)
      }
    }
    guard status == COPENCV_OK.rawValue else {
      lastError = String(cString: copencv_status_message(status))
      return .still
    }
    lastError = nil
    let regions = boxes.prefix(Int(boxCount)).map {
      MotionRegion(x: Int($0.x), y: Int($0.y), width: Int($0.width), height: Int($0.height))
    }
    return MotionResult(
      changedPercent: Double(foregroundPixels) * 100 / Double(area), regions: regions)
  }

  public func reset() {
    copencv_mog2_destroy(handle)
    handle = nil
    framesSeenAtConfiguredRate = 0
    createModel()
  }

  private func createModel() {
    var created: OpaquePointer?
    let status = copencv_mog2_create(Int32(clamping: history), varThreshold, &created)
    if status == COPENCV_OK.rawValue {
      handle = created
    } else {
      lastError = String(cString: copencv_status_message(status))
    }
  }

  public static let registryEntry = DetectorRegistry.Entry(
    name: "mog2", optionKeys: ["history", "var_threshold"]
  ) { settings in
    MOG2Detector(
      history: try settings.integerOption("history", default: 500, in: 1...100_000),
      varThreshold: try settings.numberOption("var_threshold", default: 16, in: 1...10_000),
      framesPerSecond: settings.fps)
  }
}
