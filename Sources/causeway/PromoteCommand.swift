import ArgumentParser
import Causeway
import CausewayStore
import Foundation

/// `causeway promote`: planned cut-over; wait for zero lag, then fail over with nothing lost.
struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Planned cut-over: wait until the destination holds everything, then fail over.",
        discussion: """
            For migrations (see Docs/failover.md). The source must answer. With --fence, the \
            source topics first refuse every new write (max.message.bytes=1, so producers get \
            MESSAGE_TOO_LARGE and nothing is acknowledged by the old primary), then promote waits \
            for zero lag. Without it, promote stops the mirrors at a moment of zero lag and \
            checks again; if producers wrote meanwhile, mirroring resumes and it tries again. \
            Then it fails over like `causeway failover` and prints the receipts (nothing \
            possibly lost). On --timeout nothing changes: the fence is lifted and mirroring goes on.
            """
    )

    @OptionGroup var options: LinkSelectionOptions

    @Option(name: .long, help: "How long to wait for zero lag, e.g. 60s or 5m.")
    var timeout: String = "60s"

    @Flag(name: .long, help: "Fence the source topics' writers first (max.message.bytes=1 on the source).")
    var fence = false

    @Flag(name: .long, help: "Print the receipts as JSON.")
    var json = false

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let store = try options.openStore(configuration)
        let logger = bootstrapLogging(level: "warning", label: "causeway.promote")
        var promote = Promote(configuration: configuration, store: store, logger: logger)
        promote.timeout = try parseDuration(timeout, option: "--timeout")
        promote.fence = fence
        let outcome: Promote.Outcome
        do {
            outcome = try await promote.run(topics: options.topic)
        } catch {
            FileHandle.standardError.write(Data("promote of link \(configuration.name) did not happen: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if !json {
            print("promoted after \(outcome.attempts) stop(s)\(outcome.fenced.isEmpty ? "" : "; source writers fenced on \(outcome.fenced.joined(separator: ", "))")")
        }
        ReceiptPrinter.print(outcome.failover, link: configuration.name, json: json)
    }
}
