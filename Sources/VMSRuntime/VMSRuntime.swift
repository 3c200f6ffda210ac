/// VMSRuntime: the engine.
///
/// What belongs here: media I/O over FFmpeg (`Media/`: demux, decode to gray, stream-copy fMP4
/// writer, JPEG), the per-camera actors (`Camera/`: stream readers, motion analyzer, recorder), the
/// status hub (`Status/`) and the supervisor that runs cameras from a configuration (`Engine/`).
/// What does not: HTTP (WebUI), YAML parsing (VMSConfig), SQL (Storage), detection maths (Detectors).
///
/// Threads: every blocking FFmpeg or file call runs on an actor pinned to its own `ThreadExecutor`,
/// never on the cooperative pool.
public enum VMSVersion {
  public static let string = "0.1.0"
}
