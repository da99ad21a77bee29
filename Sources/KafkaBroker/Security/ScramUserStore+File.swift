import Foundation
import KafkaSecurity

extension ScramUserStore {
    /// Where a broker keeps its SASL users: salted SCRAM credentials, never passwords.
    public static func path(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("scram-credentials.json")
    }

    /// The users saved in `dataDirectory` (none when there is no file yet).
    public static func load(dataDirectory: String) throws -> ScramUserStore {
        let path = path(dataDirectory: dataDirectory)
        guard FileManager.default.fileExists(atPath: path) else { return ScramUserStore() }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return ScramUserStore(users: try JSONDecoder().decode(StoredUsers.self, from: data).byAlgorithm)
        } catch {
            throw SecurityError("the SASL user file \(path) cannot be read: \(error)")
        }
    }

    /// Saves the users to `dataDirectory`, replacing the file atomically.
    public func save(dataDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try DurableFile.replace(path: Self.path(dataDirectory: dataDirectory), with: try encoder.encode(StoredUsers(users: users)))
    }
}

/// The file's layout: per user, per mechanism name, the credential.
private struct StoredUsers: Codable {
    var users: [String: [String: ScramCredential]]

    init(users: [String: [ScramAlgorithm: ScramCredential]]) {
        self.users = users.mapValues { credentials in
            Dictionary(uniqueKeysWithValues: credentials.map { ($0.key.mechanism.rawValue, $0.value) })
        }
    }

    init(from decoder: any Decoder) throws {
        users = try decoder.singleValueContainer().decode([String: [String: ScramCredential]].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(users)
    }

    var byAlgorithm: [String: [ScramAlgorithm: ScramCredential]] {
        users.mapValues { credentials in
            Dictionary(uniqueKeysWithValues: credentials.compactMap { name, credential in
                SaslMechanism(rawValue: name)?.scramAlgorithm.map { ($0, credential) }
            })
        }
    }
}
