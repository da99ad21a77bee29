/// What a record batch's timestamps mean (attribute bit 3).
public enum TimestampType: Sendable, Hashable, CustomStringConvertible {
    /// Set by the producer; each record's timestamp is baseTimestamp + timestampDelta.
    case createTime
    /// Set by the broker at append time; every record's timestamp is the batch's maxTimestamp.
    case logAppendTime

    public var description: String {
        switch self {
        case .createTime: "CreateTime"
        case .logAppendTime: "LogAppendTime"
        }
    }
}
