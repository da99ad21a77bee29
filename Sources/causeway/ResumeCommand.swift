import ArgumentParser
import CausewayStore
import Foundation

/// `causeway resume`: undo `causeway pause`.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume mirroring of a paused link or paused topics.",
        discussion: """
            Removes the pause from the link's store; the running daemon starts the topics' \
            mirrors again at its next topic discovery, each from its destination log end. \
            Resuming the whole link lifts every pause, including per-topic ones. A failed-over \
            topic is not resumed (see `causeway reverse`).
            """
    )

    @OptionGroup var options: LinkSelectionOptions

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let store = try options.openStore(configuration)
        let paused = try store.controls().filter { $0.state == .paused }
        let lifted = options.topic.isEmpty ? paused.map(\.topic) : options.topic.filter { name in paused.contains { $0.topic == name } }
        for topic in lifted { try store.setControl(topic: topic, state: nil, at: Date()) }
        if lifted.isEmpty {
            print("nothing to resume: \(options.topic.isEmpty ? "no topic of link \(configuration.name)" : options.topic.joined(separator: ", ")) is paused")
        } else {
            print("resumed \(lifted.joined(separator: ", ")); the daemon restarts the mirrors within its discovery interval")
        }
    }
}
