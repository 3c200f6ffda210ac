// Turns G.711 audio (A-law or µ-law, what most cameras send) into AAC, because MP4 has no sample
// entry for G.711 in this FFmpeg and browsers would not play it anyway. Audio at 8 kHz mono costs
// next to nothing to decode and encode; video is never touched.
import CFFmpeg

public final class AudioTranscoder {
  private var decoder: UnsafeMutablePointer<AVCodecContext>?
  private var encoder: UnsafeMutablePointer<AVCodecContext>?
  private let decoded: UnsafeMutablePointer<AVFrame>
  private let frame: UnsafeMutablePointer<AVFrame>
  private let packet: UnsafeMutablePointer<AVPacket>
  private let inputTimeBase: Rational
  public let sampleRate: Int32
  /// Mono samples waiting for a full encoder frame.
  private var pending: [Float] = []
  /// Sample count (at `sampleRate`) of the next sample to encode, from the first packet's time.
  private var nextSample: Int64?
  public let streamIndex: Int
  /// Codec parameters of the AAC output (owned).
  public let outputParameters: UnsafeMutablePointer<AVCodecParameters>

  public static func canTranscode(_ stream: StreamLayout.Stream) -> Bool {
    stream.isAudio && (stream.codecName == "pcm_alaw" || stream.codecName == "pcm_mulaw")
  }

  public init(stream: StreamLayout.Stream) throws(MediaError) {
    guard let decodec = avcodec_find_decoder(stream.parameters.pointee.codec_id),
      let aac = avcodec_find_encoder(AV_CODEC_ID_AAC),
      let decoded = av_frame_alloc(), let frame = av_frame_alloc(), let packet = av_packet_alloc(),
      let output = avcodec_parameters_alloc()
    else { throw MediaError("cannot set up audio transcoding") }
    self.decoded = decoded
    self.frame = frame
    self.packet = packet
    outputParameters = output
    inputTimeBase = stream.timeBase
    streamIndex = stream.index
    sampleRate = max(8000, stream.parameters.pointee.sample_rate)

    decoder = avcodec_alloc_context3(decodec)
    avcodec_parameters_to_context(decoder, stream.parameters)
    if decoder!.pointee.sample_rate <= 0 { decoder!.pointee.sample_rate = sampleRate }
    if decoder!.pointee.ch_layout.nb_channels <= 0 {
      av_channel_layout_default(&decoder!.pointee.ch_layout, 1)
    }
    var result = avcodec_open2(decoder, decodec, nil)
    if result < 0 { throw MediaError.fromFFmpeg(result, while: "cannot open the G.711 decoder") }

    encoder = avcodec_alloc_context3(aac)
    encoder!.pointee.sample_rate = sampleRate
    encoder!.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
    encoder!.pointee.bit_rate = 32_000
    encoder!.pointee.time_base = AVRational(num: 1, den: sampleRate)
    av_channel_layout_default(&encoder!.pointee.ch_layout, 1)
    // MP4 wants the AAC configuration in the sample entry, not in-band.
    encoder!.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
    result = avcodec_open2(encoder, aac, nil)
    if result < 0 { throw MediaError.fromFFmpeg(result, while: "cannot open the AAC encoder") }
    avcodec_parameters_from_context(output, encoder)
  }

  deinit {
    avcodec_free_context(&decoder)
    avcodec_free_context(&encoder)
    var d: UnsafeMutablePointer<AVFrame>? = decoded
    av_frame_free(&d)
    var f: UnsafeMutablePointer<AVFrame>? = frame
    av_frame_free(&f)
    var p: UnsafeMutablePointer<AVPacket>? = packet
    av_packet_free(&p)
    var o: UnsafeMutablePointer<AVCodecParameters>? = outputParameters
    avcodec_parameters_free(&o)
  }

  /// The AAC output's time base: one tick per sample.
  public var outputTimeBase: Rational { Rational(1, sampleRate) }

  /// Decodes a G.711 packet and returns the AAC packets that completed (timestamps in
  /// `outputTimeBase`, same stream index).
  public func transcode(_ input: MediaPacket) -> [MediaPacket] {
    if nextSample == nil { nextSample = inputTimeBase.rescale(input.pts, to: outputTimeBase) }
    av_packet_unref(packet)
    guard av_new_packet(packet, Int32(input.data.count)) >= 0 else { return [] }
    input.data.withUnsafeBufferPointer {
      packet.pointee.data.update(from: $0.baseAddress!, count: $0.count)
    }
    guard avcodec_send_packet(decoder, packet) >= 0 else { return [] }
    while avcodec_receive_frame(decoder, decoded) >= 0 {
      appendMono(decoded)
      av_frame_unref(decoded)
    }
    return encodePending(receivedAtMs: input.receivedAtMs)
  }

  private func appendMono(_ source: UnsafeMutablePointer<AVFrame>) {
    let count = Int(source.pointee.nb_samples)
    let channels = max(1, Int(source.pointee.ch_layout.nb_channels))
    guard source.pointee.format == AV_SAMPLE_FMT_S16.rawValue, let base = source.pointee.data.0
    else { return }
    base.withMemoryRebound(to: Int16.self, capacity: count * channels) { samples in
      for i in 0..<count {
        var sum: Float = 0
        for c in 0..<channels { sum += Float(samples[i * channels + c]) }
        pending.append(sum / Float(channels) / 32768)
      }
    }
  }

  private func encodePending(receivedAtMs: Int64) -> [MediaPacket] {
    guard let encoder, var sample = nextSample else { return [] }
    let frameSize = Int(max(encoder.pointee.frame_size, 1024))
    var out: [MediaPacket] = []
    while pending.count >= frameSize {
      av_frame_unref(frame)
      frame.pointee.nb_samples = Int32(frameSize)
      frame.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
      frame.pointee.sample_rate = sampleRate
      av_channel_layout_copy(&frame.pointee.ch_layout, &encoder.pointee.ch_layout)
      guard av_frame_get_buffer(frame, 0) >= 0, let plane = frame.pointee.data.0 else { return out }
      plane.withMemoryRebound(to: Float.self, capacity: frameSize) { target in
        pending.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: frameSize) }
      }
      pending.removeFirst(frameSize)
      frame.pointee.pts = sample
      sample += Int64(frameSize)
      guard avcodec_send_frame(encoder, frame) >= 0 else { continue }
      while avcodec_receive_packet(encoder, packet) >= 0 {
        let size = Int(packet.pointee.size)
        let data =
          packet.pointee.data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        out.append(
          MediaPacket(
            streamIndex: streamIndex, data: data, pts: packet.pointee.pts, dts: packet.pointee.dts,
            duration: packet.pointee.duration, isKeyframe: true, receivedAtMs: receivedAtMs))
        av_packet_unref(packet)
      }
    }
    nextSample = sample
    return out
  }
}
