import Foundation
import KafkaProtocol
import Logging
import Synchronization

/// The group coordinator of an embedded cluster: consumer groups of the classic
/// protocol and their committed offsets.
///
/// It wraps `GroupCoordinatorState` (pure) with the things a state machine must not do:
/// a lock, the clock, parking JoinGroup and SyncGroup requests until the group answers
/// them, and durable storage (`OffsetStore`). Every request runs its event under the
/// lock; the actions that come out are performed under it too (store writes, so a commit
/// is durable before anyone can read it), except resuming parked requests, done after.
///
/// Parked requests: the continuation is registered under the same lock hold that
/// processes the event, so an answer produced by that very event (an initial rebalance
/// delay of 0 completes the join at once) finds it. A parked request whose task is
/// cancelled (the broker shuts down while a JoinGroup waits) is answered
/// COORDINATOR_NOT_AVAILABLE at once; if the cancellation comes before the registration,
/// the registration sees it and answers the same.
///
/// Timers: the broker's housekeeping calls `runTimers()` every second; session and
/// rebalance timeouts are seconds long, so that resolution is enough. Tests inject the
/// clock and call it themselves.
///
/// Placement: with several nodes, each group belongs to one node, chosen as Kafka
/// chooses the leader of its `__consumer_offsets` partition (`coordinatorNode(for:)`);
/// the request handlers answer NOT_COORDINATOR on the others. The state is shared (one
/// process), so the choice only decides who answers.
final class GroupCoordinator: Sendable {
    private struct Inner {
        var state: GroupCoordinatorState
        var store: OffsetStore
        var active = true
        var unavailableOnFirstLookup: Bool
        var nextRequestID: GroupRequestID = 1
        /// Ids handed out whose continuation is not registered yet.
        var unregistered: Set<GroupRequestID> = []
        var joinWaiters: [GroupRequestID: CheckedContinuation<JoinGroupResponse, Never>] = [:]
        var syncWaiters: [GroupRequestID: CheckedContinuation<SyncGroupResponse, Never>] = [:]
        var nextOffsetExpiry: Int64

        mutating func allocateRequestID() -> GroupRequestID {
            let id = nextRequestID
            nextRequestID += 1
            unregistered.insert(id)
            return id
        }
    }

    /// A parked request to answer once the lock is released.
    private enum Resumption {
        case join(CheckedContinuation<JoinGroupResponse, Never>, JoinGroupResponse)
        case sync(CheckedContinuation<SyncGroupResponse, Never>, SyncGroupResponse)
    }

    let configuration: GroupCoordinatorConfiguration
    let nodeIDs: [Int32]
    private let clock: any LogClock
    private let logger: Logger
    private let inner: Mutex<Inner>

    /// Opens the coordinator's store in `dataDirectory` and rebuilds the groups from it.
    init(
        dataDirectory: String, nodeIDs: [Int32], configuration: GroupCoordinatorConfiguration,
        fileSystem: any LogFileSystem = PosixLogFileSystem(), clock: any LogClock = SystemLogClock(), logger: Logger
    ) throws {
        self.configuration = try configuration.validated()
        self.nodeIDs = nodeIDs
        self.clock = clock
        self.logger = logger
        let existed = OffsetStore.exists(in: dataDirectory, fileSystem: fileSystem)
        let store = OffsetStore(dataDirectory: dataDirectory, fileSystem: fileSystem)
        let records = try store.load(logger: logger)
        var state = GroupCoordinatorState(configuration: configuration)
        state.replay(records)
        if !records.isEmpty {
            logger.info("group coordinator: loaded \(state.groups.count) group(s) from \(records.count) record(s)")
        }
        inner = Mutex(
            Inner(
                state: state, store: store, unavailableOnFirstLookup: configuration.coordinatorUnavailableOnFirstLookup && !existed,
                nextOffsetExpiry: clock.nowMilliseconds + configuration.offsetsRetentionCheckInterval.milliseconds))
    }

    // MARK: Placement

    /// The node that coordinates `groupID`: Kafka's `partitionFor` (the Java hash code of
    /// the id, made non-negative, modulo `offsets.topic.num.partitions`), with the
    /// partitions' leaders spread over the nodes in order.
    func coordinatorNode(for groupID: String) -> Int32 {
        var hash: Int32 = 0
        for unit in groupID.utf16 { hash = hash &* 31 &+ Int32(unit) }
        let nonNegative = hash == Int32.min ? 0 : abs(hash)
        let partition = Int(nonNegative) % configuration.offsetsTopicPartitions
        return nodeIDs[partition % nodeIDs.count]
    }

    /// FindCoordinator for a group: false the very first time on a data directory that
    /// never held group state (see `coordinatorUnavailableOnFirstLookup`), true after.
    func coordinatorIsAvailable() -> Bool {
        inner.withLock { inner in
            guard inner.active else { return false }
            if inner.unavailableOnFirstLookup {
                inner.unavailableOnFirstLookup = false
                return false
            }
            return true
        }
    }

    // MARK: Membership

    /// JoinGroup; returns when the group answers (at once, or at the end of the join phase).
    func join(_ request: JoinGroupRequest, version: Int16, clientID: String, clientHost: String) async -> JoinGroupResponse {
        let unavailable = ClassicGroup.joinError(.coordinatorNotAvailable, memberID: request.memberId)
        let id = inner.withLock { $0.allocateRequestID() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumptions: [Resumption] = inner.withLock { inner in
                    guard inner.unregistered.remove(id) != nil, inner.active else { return [.join(continuation, unavailable)] }
                    inner.joinWaiters[id] = continuation
                    let input = ClassicGroup.JoinInput(
                        requestID: id, request: request, version: version, clientID: clientID, clientHost: clientHost,
                        newMemberID: "\(request.groupInstanceId ?? clientID)-\(UUID().uuidString.lowercased())")
                    let actions = inner.state.join(input, now: clock.nowMilliseconds)
                    return perform(actions, &inner)
                }
                resume(resumptions)
            }
        } onCancel: {
            let continuation = inner.withLock { inner in
                inner.unregistered.remove(id)
                return inner.joinWaiters.removeValue(forKey: id)
            }
            continuation?.resume(returning: unavailable)
        }
    }

    /// SyncGroup; a follower's returns when the leader's assignment arrives.
    func sync(_ request: SyncGroupRequest) async -> SyncGroupResponse {
        let unavailable = SyncGroupResponse(errorCode: KafkaErrorCode.coordinatorNotAvailable.rawValue)
        let id = inner.withLock { $0.allocateRequestID() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumptions: [Resumption] = inner.withLock { inner in
                    guard inner.unregistered.remove(id) != nil, inner.active else { return [.sync(continuation, unavailable)] }
                    inner.syncWaiters[id] = continuation
                    let actions = inner.state.sync(.init(requestID: id, request: request), now: clock.nowMilliseconds)
                    return perform(actions, &inner)
                }
                resume(resumptions)
            }
        } onCancel: {
            let continuation = inner.withLock { inner in
                inner.unregistered.remove(id)
                return inner.syncWaiters.removeValue(forKey: id)
            }
            continuation?.resume(returning: unavailable)
        }
    }

    func heartbeat(_ request: HeartbeatRequest) -> KafkaErrorCode {
        let (error, resumptions) = inner.withLock { inner -> (KafkaErrorCode, [Resumption]) in
            guard inner.active else { return (.coordinatorNotAvailable, []) }
            let (error, actions) = inner.state.heartbeat(request, now: clock.nowMilliseconds)
            return (error, perform(actions, &inner))
        }
        resume(resumptions)
        return error
    }

    func leave(groupID: String, members: [LeaveGroupRequest.MemberIdentity])
        -> (error: KafkaErrorCode, members: [LeaveGroupResponse.MemberResponse])
    {
        let (error, responses, resumptions) = inner.withLock {
            inner -> (KafkaErrorCode, [LeaveGroupResponse.MemberResponse], [Resumption]) in
            guard inner.active else { return (.coordinatorNotAvailable, [], []) }
            let (error, responses, actions) = inner.state.leave(groupID: groupID, members: members, now: clock.nowMilliseconds)
            return (error, responses, perform(actions, &inner))
        }
        resume(resumptions)
        return (error, responses)
    }

    // MARK: Time and lifecycle

    /// Fires due session, rebalance and sync timers, and every
    /// `offsets.retention.check.interval` expires old offsets and empty groups.
    func runTimers() {
        let resumptions = inner.withLock { inner -> [Resumption] in
            guard inner.active else { return [] }
            let now = clock.nowMilliseconds
            let actions = inner.state.expireTimers(now: now)
            if now >= inner.nextOffsetExpiry {
                inner.nextOffsetExpiry = now + configuration.offsetsRetentionCheckInterval.milliseconds
                let tombstones = inner.state.expireOffsets(now: now)
                if !tombstones.isEmpty {
                    logger.info("group coordinator: expired \(tombstones.count) offset(s) and empty group(s)")
                    storeOrLog(tombstones, &inner)
                }
            }
            return perform(actions, &inner)
        }
        resume(resumptions)
    }

    /// Answers every parked request COORDINATOR_NOT_AVAILABLE, refuses new ones the same
    /// way, and closes the store.
    func shutdown() {
        let resumptions = inner.withLock { inner -> [Resumption] in
            inner.active = false
            inner.store.close()
            let joins = inner.joinWaiters.values.map {
                Resumption.join($0, ClassicGroup.joinError(.coordinatorNotAvailable, memberID: ""))
            }
            let syncs = inner.syncWaiters.values.map {
                Resumption.sync($0, SyncGroupResponse(errorCode: KafkaErrorCode.coordinatorNotAvailable.rawValue))
            }
            inner.joinWaiters = [:]
            inner.syncWaiters = [:]
            return joins + syncs
        }
        resume(resumptions)
    }

    /// Runs `body` on the state under the lock (reads by the offset and admin requests).
    func withState<T>(_ body: (GroupCoordinatorState) -> T) -> T {
        inner.withLock { body($0.state) }
    }

    /// Whether the coordinator still serves requests.
    var isActive: Bool { inner.withLock { $0.active } }

    // MARK: Performing actions

    /// Stores what must be stored and collects the parked requests to answer.
    private func perform(_ actions: [GroupAction], _ inner: inout Inner) -> [Resumption] {
        var resumptions: [Resumption] = []
        var records: [OffsetStoreRecord] = []
        for action in actions {
            switch action {
            case .completeJoin(let id, let response):
                if let continuation = inner.joinWaiters.removeValue(forKey: id) {
                    resumptions.append(.join(continuation, response))
                }
            case .completeSync(let id, let response):
                if let continuation = inner.syncWaiters.removeValue(forKey: id) {
                    resumptions.append(.sync(continuation, response))
                }
            case .storeGroupMetadata(let groupID):
                if let record = inner.state.metadataRecord(of: groupID), !records.contains(record) {
                    records.append(record)
                }
            }
        }
        // Losing a generation number only makes it restart lower after a crash; the
        // answer does not wait for it, nor fail because of it.
        storeOrLog(records, &inner)
        return resumptions
    }

    private func storeOrLog(_ records: [OffsetStoreRecord], _ inner: inout Inner) {
        do {
            try store(records, &inner)
        } catch {
            logger.error("group coordinator: storing \(records.count) record(s) failed: \(error)")
        }
    }

    /// Appends to the store, and rewrites it when most of it is superseded.
    private func store(_ records: [OffsetStoreRecord], _ inner: inout Inner) throws {
        guard !records.isEmpty else { return }
        try inner.store.append(records)
        let live = inner.state.liveRecordCount
        if inner.store.frameCount > 2 * live + 10_000 {
            do {
                try inner.store.compact(to: inner.state.snapshot())
            } catch {
                logger.error("group coordinator: compacting \(inner.store.path) failed: \(error)")
            }
        }
    }

    private func resume(_ resumptions: [Resumption]) {
        for resumption in resumptions {
            switch resumption {
            case .join(let continuation, let response): continuation.resume(returning: response)
            case .sync(let continuation, let response): continuation.resume(returning: response)
            }
        }
    }

    /// Runs a write (offset commit, deletes) under the lock with the current time; the
    /// closure gets a function that makes records durable (it throws when the store
    /// fails, and the closure then leaves the state as it was).
    func write<T>(_ body: (inout GroupCoordinatorState, Int64, ([OffsetStoreRecord]) throws -> Void) -> T) -> T? {
        inner.withLock { inner -> T? in
            guard inner.active else { return nil }
            let now = clock.nowMilliseconds
            let store = inner.store
            var state = inner.state
            let result = body(&state, now) { records in try store.append(records) }
            inner.state = state
            if store.frameCount > 2 * inner.state.liveRecordCount + 10_000 {
                do {
                    try store.compact(to: inner.state.snapshot())
                } catch {
                    logger.error("group coordinator: compacting \(store.path) failed: \(error)")
                }
            }
            return result
        }
    }
}
