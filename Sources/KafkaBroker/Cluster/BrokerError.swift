import Foundation

/// Failures of the broker itself (not of a client's request, which get Kafka error codes).
public enum BrokerError: Error, Hashable, Sendable, CustomStringConvertible {
    case corruptMetadata(path: String, reason: String)
    case io(path: String, errno: Int32)
    case topicExists(String)
    case unknownTopic(String)
    case unknownNode(Int32)
    case invalidConfiguration(key: String, value: String, accepted: String)

    public var description: String {
        switch self {
        case .corruptMetadata(let path, let reason):
            return "cluster metadata at \(path) cannot be read (\(reason)); it was left untouched"
        case .io(let path, let code):
            return "\(path): \(String(cString: strerror(code)))"
        case .topicExists(let name): return "topic \(name) already exists"
        case .unknownTopic(let name): return "unknown topic \(name)"
        case .unknownNode(let node): return "no node with id \(node) in this cluster"
        case .invalidConfiguration(let key, let value, let accepted):
            return "invalid value \(value) for \(key): \(accepted)"
        }
    }
}
