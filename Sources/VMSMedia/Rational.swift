// A time base or frame rate that can leave an actor (AVRational is a plain C struct, but keeping
// our own type documents that no FFmpeg state travels with it).
import CFFmpeg

public struct Rational: Sendable, Equatable {
  public var num: Int32
  public var den: Int32

  public init(_ num: Int32, _ den: Int32) {
    self.num = num
    self.den = den
  }

  public init(_ value: AVRational) { self.init(value.num, value.den) }

  public var av: AVRational { AVRational(num: num, den: den) }

  /// Seconds in `ticks` of this time base.
  public func seconds(_ ticks: Int64) -> Double {
    den == 0 ? 0 : Double(ticks) * Double(num) / Double(den)
  }

  /// `ticks` of this time base expressed in `other`, rounded to nearest.
  public func rescale(_ ticks: Int64, to other: Rational) -> Int64 {
    av_rescale_q(ticks, av, other.av)
  }

  public var asDouble: Double { den == 0 ? 0 : Double(num) / Double(den) }
}
