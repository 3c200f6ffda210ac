// The `none` detector: for cameras watched live only (they never record, since recording follows
// motion), so the gate and the camera code need no special case for "no detection".

/// Never reports motion.
public final class NoneDetector: MotionDetector {
  public init() {}

  public func analyse(_ frame: GrayFrame) -> MotionResult { .still }

  public func reset() {}

  public static let registryEntry = DetectorRegistry.Entry(name: "none", optionKeys: []) { _ in
    NoneDetector()
  }
}
