// `vms hash-password`: reads a password on stdin and prints its bcrypt hash (cost 12) for
// `auth.users[].password_hash`. The password is not echoed when typed at a terminal.
import ArgumentParser
import Foundation
import HummingbirdBcrypt

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

struct HashPasswordCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "hash-password",
    abstract: "Read a password on stdin and print its bcrypt hash for auth.users in the YAML.")

  @Option(name: .long, help: "bcrypt cost (log2 of the rounds), 4 to 16; below 10 only for tests.")
  var cost: UInt8 = 12

  func validate() throws {
    guard (4...16).contains(cost) else {
      throw ValidationError(
        "--cost must be between 4 and 16 (12, the default, takes about 250 ms to check)")
    }
  }

  func run() throws {
    let interactive = isatty(STDIN_FILENO) == 1
    if interactive { FileHandle.standardError.write(Data("Password: ".utf8)) }
    let password = interactive ? readWithoutEcho() : readLine(strippingNewline: true)
    if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
    guard let password, !password.isEmpty else {
      printError(
        "no password read: type it, or pipe it in (printf '%s' \"$PASSWORD\" | vms hash-password)")
      throw ExitCode(1)
    }
    // bcrypt only uses the first 72 bytes: say so rather than let a long passphrase be silently cut.
    if password.utf8.count > 72 {
      printError("warning: bcrypt only uses the first 72 bytes of a password")
    }
    print(Bcrypt.hash(password, cost: cost))
  }

  /// One line from the terminal with echo turned off (restored even if reading fails).
  private func readWithoutEcho() -> String? {
    var saved = termios()
    guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return readLine(strippingNewline: true) }
    var silent = saved
    silent.c_lflag &= ~tcflag_t(ECHO)
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
    defer { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
    return readLine(strippingNewline: true)
  }
}
