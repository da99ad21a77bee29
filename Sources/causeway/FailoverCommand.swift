import ArgumentParser
import Causeway
import CausewayStore
import Foundation

/// `causeway failover`: the source is lost; make the destination the primary.
struct FailoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover",
        abstract: "Stop mirroring and make the destination topics the primary; print a receipt per partition.",
        discussion: """
            For when the source cluster is lost (see Docs/failover.md). Marks the topics failed \
            over in the link's store; a running daemon stops their mirrors within seconds and \
            confirms; if no daemon runs, the command acts on the destination and the store alone. \
            If the source still answers, its high watermarks are read live (and the last offset \
            sync runs); otherwise the last ones the daemon recorded are used. \
            The receipt gives, per partition: source high watermark, destination log end, records \
            possibly lost (source offsets the destination does not hold), and the time. \
            Running it again is harmless: it reprints the stored receipts and changes nothing. \
            Exit status 0 when nothing is missing, 3 when some records may be lost.
            """
    )

    @OptionGroup var options: LinkSelectionOptions

    @Flag(name: .long, help: "Show the receipt failover would write, without stopping anything.")
    var dryRun = false

    @Flag(name: .long, help: "Print the receipts as JSON.")
    var json = false

    @Option(name: .long, help: "How long to wait for a running daemon to confirm, e.g. 30s.")
    var daemonTimeout: String = "30s"

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let store = try options.openStore(configuration)
        let logger = bootstrapLogging(level: "warning", label: "causeway.failover")
        var failover = Failover(configuration: configuration, store: store, logger: logger)
        failover.acknowledgementTimeout = try parseDuration(daemonTimeout, option: "--daemon-timeout")
        let outcome: Failover.Outcome
        do {
            outcome = try await failover.run(topics: options.topic, dryRun: dryRun)
        } catch {
            FileHandle.standardError.write(Data("failover of link \(configuration.name) did not complete: \(error)\n".utf8))
            throw ExitCode.failure
        }
        ReceiptPrinter.print(outcome, link: configuration.name, json: json)
        if outcome.receipts.contains(where: { $0.recordsPossiblyLost > 0 }) { throw ExitCode(3) }
    }
}

/// Parses a duration option in the link file's syntax (500ms, 30s, 2m).
func parseDuration(_ text: String, option: String) throws -> Duration {
    guard let duration = DurationSyntax.parse(text) else {
        throw ValidationError("\(option) \(text) is not a duration; use e.g. 500ms, 30s or 2m")
    }
    return duration
}

/// Prints failover receipts as a table or JSON.
enum ReceiptPrinter {
    static func print(_ outcome: Failover.Outcome, link: String, json: Bool) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            let document = ReceiptDocument(
                link: link, dryRun: outcome.dryRun, repeated: outcome.repeated, daemon: outcome.daemon, offsetSync: outcome.offsetSync,
                receipts: outcome.receipts)
            Swift.print(String(decoding: (try? encoder.encode(document)) ?? Data(), as: UTF8.self))
            return
        }
        if outcome.dryRun { Swift.print("DRY RUN: nothing was changed; this is the receipt failover would write now.") }
        if outcome.repeated { Swift.print("link \(link) was already failed over; the stored receipts, unchanged:") }
        Swift.print("daemon: \(outcome.daemon)\noffset sync: \(outcome.offsetSync)")
        var rows = [["DESTINATION", "TOPIC", "PART", "SOURCE HW", "SOURCE", "DEST END", "POSSIBLY LOST", "FAILED OVER AT"]]
        let formatter = ISO8601DateFormatter()
        for receipt in outcome.receipts {
            rows.append([
                receipt.destination, receipt.topic, "\(receipt.partition)", "\(receipt.sourceHighWatermark)",
                receipt.sourceAnswered ? "live" : "last known", "\(receipt.destinationLogEnd)", "\(receipt.recordsPossiblyLost)",
                formatter.string(from: receipt.failedOverAt),
            ])
        }
        Swift.print(StatusTable.aligned(rows))
        let lost = outcome.receipts.reduce(Int64(0)) { $0 + $1.recordsPossiblyLost }
        Swift.print("records possibly lost: \(lost)")
        if let note = outcome.receipts.first?.note { Swift.print("note: \(note)") }
    }
}

/// The JSON form of a failover's receipts.
struct ReceiptDocument: Codable {
    var link: String
    var dryRun: Bool
    var repeated: Bool
    var daemon: String
    var offsetSync: String
    var receipts: [FailoverReceipt]
}
