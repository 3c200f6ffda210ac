// FFmpeg logs to stderr on its own; at its default level a reconnecting camera floods the log with
// decoder chatter. vms reports what matters itself, so only FFmpeg's errors pass.
import CFFmpeg

public enum FFmpegLog {
  public static func showErrorsOnly() {
    av_log_set_level(AV_LOG_ERROR)
  }
}
