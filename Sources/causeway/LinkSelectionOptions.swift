import ArgumentParser
import Causeway
import CausewayStore
import Foundation

/// The options every DR command shares: which link (its file), and which of its topics.
struct LinkSelectionOptions: ParsableArguments {
    @Option(name: .long, help: "The link configuration (YAML): clusters, topics and the store.")
    var config: String

    @Option(name: .long, help: "The link's name; when given it must match the name in --config (a guard against the wrong file).")
    var link: String?

    @Option(name: .long, help: "A topic to act on (repeatable). Default: every topic of the link.")
    var topic: [String] = []

    /// The link file, loaded and checked against --link.
    func loadConfiguration() throws -> LinkConfiguration {
        let configuration = try loadLink(config)
        if let link, link != configuration.name {
            throw ValidationError("--link \(link) does not match the link in \(config), which is named \(configuration.name)")
        }
        return configuration
    }

    /// The link's checkpoint store, or exit 1 with the store's reason.
    func openStore(_ configuration: LinkConfiguration) throws -> SQLiteCheckpointStore {
        try openLinkStore(configuration)
    }

    /// The topics to act on, as the store names them (`*` for the whole link).
    var controlTopics: [String] { topic.isEmpty ? [TopicControl.allTopics] : topic }
}

/// Waits (bounded) until a running daemon has acknowledged `topics`' controls; says what happened.
func awaitAcknowledgement(_ store: any CheckpointStore, topics: [String], timeout: Duration) async throws -> String {
    switch try await DaemonAcknowledgement.wait(for: topics, in: store, timeout: timeout) {
    case .acknowledged: "the daemon confirmed"
    case .noDaemon, .daemonStopped: "no daemon is running: it takes effect when `causeway run` starts"
    case .timedOut(let beat): "the daemon (process \(beat.processID)) has not confirmed yet; check `causeway status`"
    }
}

/// The link's checkpoint store, or exit 1 with the store's reason (the file is never touched
/// when it is not a Causeway store).
func openLinkStore(_ link: LinkConfiguration) throws -> SQLiteCheckpointStore {
    do {
        return try SQLiteCheckpointStore(path: link.store.path, link: link.name)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        throw ExitCode.failure
    }
}
