// One fragment of live video for Media Source Extensions: a `moof` that describes the samples and an
// `mdat` that holds them, as the ISO BMFF byte stream format asks (tfhd with default-base-is-moof,
// tfdt version 1 before trun, trun data offset from the start of the moof). Pure Swift: the timing
// of each sample is decided by the caller (the live viewer's own timeline), so nothing here guesses
// a duration or rewrites a timestamp. The moof and the mdat can be written apart, so that a live
// stream writes each frame's mdat once and shares it among its viewers (each gets its own small
// moof: its sequence number and decode times).
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

  /// What the `moof` says of a sample: everything but its bytes.
  public struct SampleHeader: Sendable, Equatable {
    public var sizeBytes: Int
    public var durationTicks: UInt32
    public var compositionOffsetTicks: Int32
    public var isSync: Bool

    public init(sizeBytes: Int, durationTicks: UInt32, compositionOffsetTicks: Int32, isSync: Bool)
    {
      self.sizeBytes = sizeBytes
      self.durationTicks = durationTicks
      self.compositionOffsetTicks = compositionOffsetTicks
      self.isSync = isSync
    }
  }

  /// What the `moof` says of a run: its track, decode time and samples, in the mdat's order.
  public struct RunHeader: Sendable, Equatable {
    public var trackID: UInt32
    public var baseDecodeTicks: UInt64
    public var samples: [SampleHeader]

    public init(trackID: UInt32, baseDecodeTicks: UInt64, samples: [SampleHeader]) {
      self.trackID = trackID
      self.baseDecodeTicks = baseDecodeTicks
      self.samples = samples
    }
  }

  /// `moof` + `mdat` for `runs` (empty runs are left out). `sequence` counts fragments from 1.
  public static func fragment(sequence: UInt32, runs: [Run]) -> [UInt8] {
    let runs = runs.filter { !$0.samples.isEmpty }
    let headers = runs.map { run in
      RunHeader(
        trackID: run.trackID, baseDecodeTicks: run.baseDecodeTicks,
        samples: run.samples.map {
          SampleHeader(
            sizeBytes: $0.data.count, durationTicks: $0.durationTicks,
            compositionOffsetTicks: $0.compositionOffsetTicks, isSync: $0.isSync)
        })
    }
    var mdat = mdatHeader()
    for run in runs { for sample in run.samples { mdat.append(contentsOf: sample.data) } }
    closeMdat(&mdat)
    return moof(sequence: sequence, runs: headers) + mdat
  }

  /// The `moof` of a fragment whose `mdat` (right after it) holds the runs' samples in order. A
  /// live stream writes one per viewer (its sequence and decode times) and shares the mdat.
  public static func moof(sequence: UInt32, runs: [RunHeader]) -> [UInt8] {
    let runs = runs.filter { !$0.samples.isEmpty }
    // The moof's size is known before it is written: every box in it has a fixed layout.
    let trafSizes = runs.map { 8 + 16 + 20 + (8 + 4 + 4 + 4 + 16 * $0.samples.count) }
    let moofSize = 8 + 16 + trafSizes.reduce(0, +)
    var out = BoxWriter(reservingCapacity: moofSize)
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
              trun.u32(UInt32(sample.sizeBytes))
              trun.u32(sample.isSync ? syncSampleFlags : otherSampleFlags)
              trun.u32(UInt32(bitPattern: sample.compositionOffsetTicks))
            }
          }
        }
        dataOffset += run.samples.reduce(0) { $0 + $1.sizeBytes }
      }
    }
    return out.bytes
  }

  /// The `mdat` of one video sample, from the camera's access unit (Annex B or the MP4 form): one
  /// pass, one allocation; shared by every viewer of the frame. Also the sample's size.
  public static func mdat(videoSample data: UnsafeBufferPointer<UInt8>) -> (
    box: [UInt8], sampleBytes: Int
  ) {
    var box = mdatHeader(reservingCapacity: data.count + 64)
    let size = NALUnits.appendLengthPrefixed(data, to: &box)
    closeMdat(&box)
    return (box, size)
  }

  /// The `mdat` of one AAC frame (raw, or behind an ADTS header that is left out).
  public static func mdat(audioSample data: UnsafeBufferPointer<UInt8>) -> (
    box: [UInt8], sampleBytes: Int
  ) {
    let raw = AACFrames.raw(data)
    var box = mdatHeader(reservingCapacity: raw.count)
    box.append(contentsOf: raw)
    closeMdat(&box)
    return (box, raw.count)
  }

  static func mdatHeader(reservingCapacity capacity: Int = 0) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(8 + capacity)
    bytes.append(contentsOf: [0, 0, 0, 0] + Array("mdat".utf8))
    return bytes
  }

  /// Writes the mdat's size once its body is in.
  static func closeMdat(_ bytes: inout [UInt8]) {
    let size = UInt32(bytes.count)
    for i in 0..<4 { bytes[i] = UInt8(truncatingIfNeeded: size >> UInt32(24 - 8 * i)) }
  }
}
