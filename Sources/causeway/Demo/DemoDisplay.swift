import Foundation

/// Prints the demo: headings, lines, tables, and one progress line that rewrites
/// itself on a terminal (and prints every few updates otherwise).
final class DemoDisplay: @unchecked Sendable {
    private let isTerminal = isatty(STDOUT_FILENO) == 1
    private var progressShown = false
    private var updates = 0

    func heading(_ text: String) {
        endProgress()
        write("\n== \(text)\n")
    }

    func say(_ text: String) {
        endProgress()
        write("   \(text)\n")
    }

    func progress(_ text: String) {
        updates += 1
        if isTerminal {
            write("\r   \(text)\u{1B}[K")
            progressShown = true
        } else if updates % 8 == 1 {
            write("   \(text)\n")
        }
    }

    func endProgress() {
        if progressShown {
            write("\n")
            progressShown = false
        }
    }

    func table(_ rows: [[String]]) {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let line = zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
            say(line.trimmingCharacters(in: .whitespaces))
        }
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
