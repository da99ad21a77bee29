import ArgumentParser
import Causeway
import CausewayStore
import Foundation

/// `causeway reverse`: fail back after a failover.
struct ReverseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reverse",
        abstract: "Fail back: mirror the link the other way, from the new primary to the old one.",
        discussion: """
            After `causeway failover` (or promote), once the old primary (the link's source) is \
            back. Partitions where the old primary holds nothing past the failover point continue \
            in the other direction at the same offsets. For the others, the records past the \
            failover point (acknowledged by the old primary, never mirrored) are exported to a \
            JSON-lines file in --export-dir, one record a line (offset, timestamp, key, value and \
            headers, base64), and the topic is re-seeded: deleted on the old primary and copied \
            back from the new one. A running `causeway run` switches direction by itself within \
            seconds. See Docs/failover.md.
            """
    )

    @OptionGroup var options: LinkSelectionOptions

    @Option(name: .long, help: "Where to write the divergent records' file (default: the current directory).")
    var exportDir: String = "."

    @Flag(name: .long, help: "Print the outcome as JSON.")
    var json = false

    func validate() throws {
        if !options.topic.isEmpty { throw ValidationError("reverse acts on every failed-over topic of the link; --topic is not supported") }
    }

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let store = try options.openStore(configuration)
        let logger = bootstrapLogging(level: "warning", label: "causeway.reverse")
        let outcome: Reverse.Outcome
        do {
            outcome = try await Reverse(configuration: configuration, store: store, exportDirectory: exportDir, logger: logger).run()
        } catch {
            FileHandle.standardError.write(Data("reverse of link \(configuration.name) did not happen: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(outcome), as: UTF8.self))
            return
        }
        var rows = [["TOPIC", "PART", "FAILOVER POINT", "OLD PRIMARY END", "ACTION", "EXPORTED"]]
        for line in outcome.partitions {
            rows.append([line.topic, "\(line.partition)", "\(line.failoverPoint)", "\(line.oldPrimaryLogEnd)", line.action, "\(line.exportedRecords)"])
        }
        print(StatusTable.aligned(rows))
        if let file = outcome.exportFile { print("divergent records exported to \(file)") }
        if !outcome.reseededTopics.isEmpty { print("re-seeded on the old primary: \(outcome.reseededTopics.joined(separator: ", "))") }
        print("link \(configuration.name) now mirrors \(configuration.destinations[0].name) -> source")
    }
}
