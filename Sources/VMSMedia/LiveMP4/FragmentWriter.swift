// One fragment of live video for Media Source Extensions: a `moof` that describes the samples and an
// `mdat` that holds them, as the ISO BMFF byte stream format asks (tfhd with default-base-is-moof,
// tfdt version 1 before trun, trun data offset from the start of the moof). Pure Swift: the timing
// of each sample is decided by the caller (the live viewer's own timeline), so nothing here guesses
// a duration or rewrites a timestamp.
public enum FragmentWriter {
  public struct Sample: Sendable, Equatable {
    /// The sample's bytes as MP4 stores them (H.264/H.265: NAL units with 4-byte lengths).
    public var data: [UInt8]
    public var durationTicks: UInt32
    /// Presentation minus decode time (B-frames), in ticks.
    public var compositionOffsetTicks: Int32
    public var isSync: Bool

    public init(
      data: [UInt8], durationTicks: UInt32, compositionOffsetTicks: Int32 = 0, isSync: Bool
    ) {
      self.data = data
      self.durationTicks = durationTicks
      self.compositionOffsetTicks = compositionOffsetTicks
      self.isSync = isSync
    }
  }

  /// The samples of one track in one fragment.
  public struct Run: Sendable, Equatable {
    public var trackID: UInt32
    /// Decode time of the first sample, in the track's timescale.
    public var baseDecodeTicks: UInt64
    public var samples: [Sample]

    public init(trackID: UInt32, baseDecodeTicks: UInt64, samples: [Sample]) {
      self.trackID = trackID
      self.baseDecodeTicks = baseDecodeTicks
      self.samples = samples
    }
  }

  /// trun flags: data offset, then per sample its duration, size, flags and composition offset.
  static let trunFlags: UInt32 = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800
  /// tfhd flags: default-base-is-moof (offsets count from the moof's first byte).
  static let tfhdFlags: UInt32 = 0x020000
  /// A sample that needs no other to decode (sample_depends_on = 2).
  static let syncSampleFlags: UInt32 = 0x0200_0000
  /// A sample that depends on others and is not a sync sample.
  static let otherSampleFlags: UInt32 = 0x0101_0000

  /// `moof` + `mdat` for `runs` (empty runs are left out). `sequence` counts fragments from 1.
  public static func fragment(sequence: UInt32, runs: [Run]) -> [UInt8] {
    let runs = runs.filter { !$0.samples.isEmpty }
    // The moof's size is known before it is written: every box in it has a fixed layout.
    let trafSizes = runs.map { 8 + 16 + 20 + (8 + 4 + 4 + 4 + 16 * $0.samples.count) }
    let moofSize = 8 + 16 + trafSizes.reduce(0, +)
    let payload = runs.reduce(0) { total, run in
      total + run.samples.reduce(0) { $0 + $1.data.count }
    }
    var out = BoxWriter(reservingCapacity: moofSize + 8 + payload)
    out.box("moof") { moof in
      moof.fullBox("mfhd", version: 0, flags: 0) { $0.u32(sequence) }
      var dataOffset = moofSize + 8
      for run in runs {
        moof.box("traf") { traf in
          traf.fullBox("tfhd", version: 0, flags: tfhdFlags) { $0.u32(run.trackID) }
          traf.fullBox("tfdt", version: 1, flags: 0) { $0.u64(run.baseDecodeTicks) }
          // Version 1: composition offsets are signed.
          traf.fullBox("trun", version: 1, flags: trunFlags) { trun in
            trun.u32(UInt32(run.samples.count))
            trun.u32(UInt32(dataOffset))
            for sample in run.samples {
              trun.u32(sample.durationTicks)
              trun.u32(UInt32(sample.data.count))
              trun.u32(sample.isSync ? syncSampleFlags : otherSampleFlags)
              trun.u32(UInt32(bitPattern: sample.compositionOffsetTicks))
            }
          }
        }
        dataOffset += run.samples.reduce(0) { $0 + $1.data.count }
      }
    }
    out.box("mdat") { mdat in
      for run in runs { for sample in run.samples { mdat.append(sample.data) } }
    }
    return out.bytes
  }
}
