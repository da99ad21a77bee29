import Foundation

/// A child process running this same executable (`/proc/self/exe`) with other arguments:
/// the brokers and the load generator of `causeway bench link`, kept out of the measured
/// process so their CPU and memory are not counted as the daemon's.
///
/// Its standard output and error go to files in `directory`, never to pipes: nothing in
/// the bench process has to keep reading them (a full pipe would stall the child), and
/// waiting for a line is a poll of the file with `Task.sleep`, which blocks no thread of
/// the cooperative pool the link engine runs on.
final class BenchChild: @unchecked Sendable {
    let name: String
    let arguments: [String]
    let outputPath: String
    let errorPath: String
    private let process = Process()

    /// The path of the running executable, for the children and the printed command.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Starts `causeway <arguments>`.
    init(name: String, arguments: [String], directory: String) throws {
        self.name = name
        self.arguments = arguments
        outputPath = "\(directory)/\(name).out"
        errorPath = "\(directory)/\(name).err"
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
            FileManager.default.createFile(atPath: errorPath, contents: nil),
            let output = FileHandle(forWritingAtPath: outputPath), let errors = FileHandle(forWritingAtPath: errorPath)
        else {
            throw BenchError("cannot create \(outputPath) and \(errorPath)")
        }
        process.executableURL = URL(fileURLWithPath: Self.executablePath)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    var processID: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// The first line of standard output that starts with `prefix`, without it; waits for
    /// it until `timeout`, and fails early if the child exits first.
    func line(startingWith prefix: String, timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            for line in output.split(separator: "\n") where line.hasPrefix(prefix) {
                return String(line.dropFirst(prefix.count))
            }
            if !process.isRunning {
                throw BenchError(
                    "\(name) exited (status \(process.terminationStatus)) before printing \(prefix)", detail: errorTail)
            }
            if ContinuousClock.now >= deadline {
                throw BenchError("\(name) printed no \(prefix) within \(timeout)", detail: errorTail)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for the child to exit by itself; its exit status.
    func waitForExit(timeout: Duration) async throws -> Int32 {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                stop()
                throw BenchError("\(name) did not finish within \(timeout)", detail: errorTail)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if the child is still there after 10 s. Safe to call twice.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { usleep(10_000) }
    }

    /// The last lines of the child's standard error, to show why it failed.
    var errorTail: String {
        let text = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }
}

/// A benchmark that could not run, with what the child processes said.
struct BenchError: Error, CustomStringConvertible {
    let message: String
    let detail: String

    init(_ message: String, detail: String = "") {
        self.message = message
        self.detail = detail
    }

    var description: String { detail.isEmpty ? message : "\(message)\n\(detail)" }
}
