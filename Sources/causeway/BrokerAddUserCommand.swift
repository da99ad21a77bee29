import ArgumentParser
import Foundation
import KafkaBroker
import KafkaSecurity

/// `causeway broker add-user`: saves a SASL user in a broker's data directory, as salted
/// SCRAM-SHA-256 and SCRAM-SHA-512 credentials (the password itself is never stored).
struct BrokerAddUserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-user",
        abstract: "Add or replace a SASL user of an embedded broker (PLAIN and SCRAM).",
        discussion: """
            Writes salted credentials to DATA_DIR/scram-credentials.json (DATA_DIR from \
            `causeway broker --data-dir`), which `causeway broker` \
            reads on start (restart a running broker to use them). Give the password as \
            env:NAME or file:/path to keep it out of the process list.
            """
    )

    /// `causeway broker`'s options: its --data-dir is the one written to.
    @ParentCommand var broker: BrokerCommand

    private var dataDir: String { broker.dataDir }

    @Option(name: .long, help: "The user name.")
    var user: String

    @Option(name: .long, help: "The password: env:NAME, file:/path, or the text.")
    var password: String

    @Option(name: .long, help: "SCRAM iteration count (at least 4096).")
    var iterations: Int = ScramAlgorithm.minimumIterations

    func validate() throws {
        guard !user.isEmpty, !user.contains(":") else { throw ValidationError("--user must be a non-empty name without ':'") }
        guard iterations >= ScramAlgorithm.minimumIterations else {
            throw ValidationError("--iterations must be at least \(ScramAlgorithm.minimumIterations), got \(iterations)")
        }
    }

    func run() throws {
        let secret: SecretValue
        do {
            secret = try SecretReference.resolve(password)
        } catch {
            throw ValidationError("--password: \(error)")
        }
        var users = try ScramUserStore.load(dataDirectory: dataDir)
        try users.add(user: user, password: secret, iterations: iterations)
        try users.save(dataDirectory: dataDir)
        print("saved SASL user \(user) in \(ScramUserStore.path(dataDirectory: dataDir)) (SCRAM-SHA-256, SCRAM-SHA-512, \(iterations) iterations)")
    }
}
