import Foundation
import KafkaClient
import Synchronization

/// The live status of every partition worker of a link, shared by the workers (who
/// write their own line) and whoever reports it (status file, demo, tests).
final class StatusBoard: Sendable {
    private struct Key: Hashable {
        var destination: String
        var partition: TopicPartitionID
    }

    private let lines = Mutex<[Key: PartitionStatus]>([:])

    func update(destination: String, partition: TopicPartitionID, _ change: (inout PartitionStatus) -> Void) {
        lines.withLock { lines in
            let key = Key(destination: destination, partition: partition)
            var line = lines[key] ?? PartitionStatus(destination: destination, topic: partition.topic, partition: partition.partition)
            change(&line)
            lines[key] = line
        }
    }

    var snapshot: [PartitionStatus] {
        lines.withLock { lines in
            lines.values.sorted { ($0.destination, $0.topic, $0.partition) < ($1.destination, $1.topic, $1.partition) }
        }
    }
}
