// The init segment of a live view (ftyp + moov with one track per stream, no samples, mvex/trex):
// what a browser's SourceBuffer needs before the first fragment. Written once per stream layout by
// FFmpeg's MP4 muxer into memory (it knows how to turn a camera's parameter sets into avcC/hvcC, in
// either of the forms cameras give them), then read back for what the fragments must match: each
// track's id and timescale, and the exact codec string to ask the browser about.
import CFFmpeg

public struct LiveInitSegment: Sendable {
  public struct Track: Sendable, Equatable {
    /// The track id the fragments name.
    public var id: UInt32
    /// The input stream this track carries (`StreamLayout.Stream.index`).
    public var streamIndex: Int
    public var isVideo: Bool
    /// Ticks per second of the track's sample times.
    public var timescale: UInt32
    /// RFC 6381 codec string: `avc1.640028`, `hvc1.1.6.L93.B0`, `mp4a.40.2`.
    public var codec: String
  }

  public let bytes: [UInt8]
  /// The video track first, then the audio track when there is one.
  public let tracks: [Track]

  /// `video/mp4; codecs="..."`, for `MediaSource.isTypeSupported` and `addSourceBuffer`.
  public var mimeType: String {
    "video/mp4; codecs=\"" + tracks.map(\.codec).joined(separator: ",") + "\""
  }

  /// Whether the live view can carry `stream`: H.264 and H.265 video, AAC audio.
  public static func canCarry(_ stream: StreamLayout.Stream) -> Bool {
    let codec = stream.parameters.pointee.codec_id
    return stream.isVideo
      ? codec == AV_CODEC_ID_H264 || codec == AV_CODEC_ID_HEVC : codec == AV_CODEC_ID_AAC
  }

  /// The init segment for the layout's video stream, and its first AAC stream when `audio`.
  /// Throws for a video codec the live view cannot carry (MJPEG, MPEG-4 Part 2) or a stream whose
  /// parameter sets are not known yet.
  public init(layout: StreamLayout, audio: Bool) throws(MediaError) {
    guard let video = layout.video else { throw MediaError("the stream has no video") }
    guard Self.canCarry(video) else {
      throw MediaError("live view carries H.264 and H.265; this stream is \(video.codecName)")
    }
    var chosen = [video]
    if audio, let aac = layout.streams.first(where: { $0.isAudio && Self.canCarry($0) }) {
      chosen.append(aac)
    }
    bytes = try Self.write(chosen)
    tracks = try Self.read(bytes, streams: chosen)
  }

  private static func write(_ streams: [StreamLayout.Stream]) throws(MediaError) -> [UInt8] {
    var context: UnsafeMutablePointer<AVFormatContext>?
    var result = avformat_alloc_output_context2(&context, nil, "mp4", nil)
    guard result >= 0, let context else {
      throw MediaError.fromFFmpeg(result, while: "cannot create the live init segment")
    }
    defer { avformat_free_context(context) }
    for stream in streams {
      guard let out = avformat_new_stream(context, nil) else { throw MediaError("out of memory") }
      avcodec_parameters_copy(out.pointee.codecpar, stream.parameters)
      out.pointee.codecpar.pointee.codec_tag = ClipWriter.mp4Tag(stream.parameters)
      out.pointee.time_base = stream.timeBase.av
    }
    result = avio_open_dyn_buf(&context.pointee.pb)
    guard result >= 0 else { throw MediaError.fromFFmpeg(result, while: "cannot allocate memory") }
    var options: OpaquePointer? = nil
    // An empty moov (no samples, no duration: a browser treats the stream as live) written with the
    // header; fragments are never asked of this muxer (the live view writes its own).
    av_dict_set(&options, "movflags", "empty_moov+default_base_moof+frag_custom", 0)
    result = avformat_write_header(context, &options)
    av_dict_free(&options)
    var buffer: UnsafeMutablePointer<UInt8>?
    let length = avio_close_dyn_buf(context.pointee.pb, &buffer)
    context.pointee.pb = nil
    defer { av_free(buffer) }
    guard result >= 0 else {
      throw MediaError.fromFFmpeg(
        result, while: "cannot write the live init segment (parameter sets not known yet?)")
    }
    guard let buffer, length > 0 else { throw MediaError("the live init segment is empty") }
    return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
  }

  /// Each trak's id, timescale and codec string, in the order of `streams`.
  private static func read(_ bytes: [UInt8], streams: [StreamLayout.Stream]) throws(MediaError)
    -> [Track]
  {
    let reader = BoxReader(bytes: bytes)
    let traks = reader.boxes(at: ["moov", "trak"])
    guard traks.count == streams.count else {
      throw MediaError("the live init segment has \(traks.count) tracks, not \(streams.count)")
    }
    var tracks: [Track] = []
    for (trak, stream) in zip(traks, streams) {
      guard let tkhd = reader.boxes(in: trak.body).first(where: { $0.type == "tkhd" }),
        let mdia = reader.boxes(in: trak.body).first(where: { $0.type == "mdia" }),
        let mdhd = reader.boxes(in: mdia.body).first(where: { $0.type == "mdhd" })
      else { throw MediaError("the live init segment has a track without tkhd or mdhd") }
      // Version 1 boxes carry 64-bit creation and modification times before the field.
      let tkhdWide = reader.bytes[tkhd.body.lowerBound] == 1
      let id = reader.u32(at: tkhd.body.lowerBound + (tkhdWide ? 20 : 12))
      let mdhdWide = reader.bytes[mdhd.body.lowerBound] == 1
      let timescale = reader.u32(at: mdhd.body.lowerBound + (mdhdWide ? 20 : 12))
      guard let codec = codecString(in: mdia, reader: reader, stream: stream) else {
        throw MediaError("cannot read the codec of \(stream.codecName) in the live init segment")
      }
      tracks.append(
        Track(
          id: id, streamIndex: stream.index, isVideo: stream.isVideo, timescale: timescale,
          codec: codec))
    }
    return tracks
  }

  private static func codecString(
    in mdia: BoxReader.Box, reader: BoxReader, stream: StreamLayout.Stream
  ) -> String? {
    if !stream.isVideo {
      let extradata = stream.parameters.pointee.extradata
      let size = Int(stream.parameters.pointee.extradata_size)
      guard let extradata, size > 0 else { return "mp4a.40.2" }
      return CodecString.mp4a(
        audioSpecificConfig: Array(UnsafeBufferPointer(start: extradata, count: size))[...])
    }
    // stsd: version and flags, entry count, then the sample entry (avc1/hvc1/hev1); its children
    // (avcC/hvcC) follow the 78 bytes of fields every visual sample entry has.
    let stsd = ["minf", "stbl", "stsd"].reduce([mdia]) { boxes, type in
      boxes.flatMap { reader.boxes(in: $0.body).filter { $0.type == type } }
    }
    guard let stsd = stsd.first,
      let entry = reader.boxes(in: stsd.body.lowerBound + 8..<stsd.body.upperBound).first,
      entry.body.count > 78
    else { return nil }
    for child in reader.boxes(in: entry.body.lowerBound + 78..<entry.body.upperBound) {
      let record = reader.bytes[child.body]
      switch child.type {
      case "avcC": return CodecString.avc1(avcC: record)
      case "hvcC":
        return CodecString.hvc1(hvcC: record).map {
          entry.type == "hev1" ? "hev1" + $0.dropFirst(4) : $0
        }
      default: continue
      }
    }
    return nil
  }
}
