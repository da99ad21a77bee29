/// Decides which of a log's oldest segments retention deletes. Pure: the log passes a
/// summary of its segments and deletes what the plan says.
///
/// Follows Kafka's `UnifiedLog.deleteOldSegments`: first segments older than
/// `retention.ms` (by their largest timestamp), then, on what is left, the oldest
/// segments while the log stays at or above `retention.bytes` without them, then segments
/// wholly below the log start offset. Each rule only removes a prefix of the log and
/// stops at the first segment it keeps. Two limits hold throughout: the active (last)
/// segment is never deleted, and neither is a segment holding offsets at or above the
/// high watermark (data consumers may not have been allowed to read yet).
struct RetentionPlanner {
    struct Segment: Hashable, Sendable {
        var baseOffset: Int64
        var sizeInBytes: Int
        /// Largest batch timestamp, or the last write time when the segment has none.
        var largestTimestamp: Int64
    }

    struct Plan: Hashable, Sendable {
        /// How many of the oldest segments to delete.
        var count = 0
        var reasons: Set<RetentionOutcome.Reason> = []
    }

    var config: LogConfig
    var logStartOffset: Int64
    var highWatermark: Int64
    var nowMilliseconds: Int64

    func plan(_ segments: [Segment]) -> Plan {
        var plan = Plan()
        // Segment i may go when it is not the last one and everything in it (which ends
        // where segment i+1 begins) is below the high watermark.
        func deletable(_ index: Int) -> Bool {
            index < segments.count - 1 && segments[index + 1].baseOffset <= highWatermark
        }
        if config.cleanupPolicy.contains(.delete) {
            if let retention = config.retentionTime?.milliseconds {
                while deletable(plan.count), nowMilliseconds - segments[plan.count].largestTimestamp > retention {
                    plan.count += 1
                    plan.reasons.insert(.retentionTime)
                }
            }
            if let limit = config.retentionBytes {
                var excess = segments[plan.count...].reduce(0) { $0 + Int64($1.sizeInBytes) } - limit
                while deletable(plan.count), excess - Int64(segments[plan.count].sizeInBytes) >= 0 {
                    excess -= Int64(segments[plan.count].sizeInBytes)
                    plan.count += 1
                    plan.reasons.insert(.retentionSize)
                }
            }
        }
        // Below the log start offset (moved by DeleteRecords): applies under any policy.
        while deletable(plan.count), segments[plan.count + 1].baseOffset <= logStartOffset {
            plan.count += 1
            plan.reasons.insert(.logStartOffset)
        }
        return plan
    }
}
