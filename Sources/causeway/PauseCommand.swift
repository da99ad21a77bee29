import ArgumentParser
import CausewayStore
import Foundation

/// `causeway pause`: stop mirroring a link or some of its topics until `causeway resume`.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause mirroring of a link or of some of its topics.",
        discussion: """
            Writes the pause to the link's store; the running daemon stops the topics' mirrors \
            within a second or two and confirms. Nothing is lost: on resume each partition \
            carries on from its destination log end. With no daemon running, the pause \
            applies when it starts.
            """
    )

    @OptionGroup var options: LinkSelectionOptions

    func run() async throws {
        let configuration = try options.loadConfiguration()
        let store = try options.openStore(configuration)
        for topic in options.controlTopics {
            if let existing = try store.controls().first(where: { $0.topic == topic }), existing.state == .failedOver {
                throw ValidationError("\(topic) is failed over; it cannot be paused (see `causeway reverse`)")
            }
            try store.setControl(topic: topic, state: .paused, at: Date())
        }
        let outcome = try await awaitAcknowledgement(store, topics: options.controlTopics, timeout: .seconds(15))
        print("paused \(options.topic.isEmpty ? "every topic of link \(configuration.name)" : options.topic.joined(separator: ", ")): \(outcome)")
    }
}
