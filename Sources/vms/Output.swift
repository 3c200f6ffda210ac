// Writing to standard error without going through a logger (before logging is set up).
import Foundation

func printError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
