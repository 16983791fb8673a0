package io.ferry.kafka.consume;

import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * What a {@link GroupMember} tells its consumer about its partitions; every method is called on the
 * membership loop's thread, so it must be quick and must not block: a revocation completes later,
 * from any thread, through {@link Revocation#done()}.
 *
 * <p>Order: for one assignment, {@link #revoked} comes first and {@link #assigned} only after its
 * {@link Revocation#done()}; {@link #lost} replaces both when the member is fenced; {@link #failed}
 * comes last, after {@link #lost} of whatever was owned.
 */
public interface MembershipListener {
    /**
     * The member owns {@code partitions} from now on: start fetching them (from the committed
     * offsets).
     */
    void assigned(Set<TopicPartition> partitions);

    /**
     * The member must give {@code partitions} up: stop fetching them, wait for pending
     * acknowledgements at most {@link Revocation#graceMs()}, commit what is acknowledged (with
     * {@link GroupMember#memberEpoch()}), then call {@link Revocation#done()}. The member keeps
     * reporting them owned until then.
     */
    void revoked(Set<TopicPartition> partitions, Revocation revocation);

    /**
     * The member lost {@code partitions} (fenced, or failed): stop fetching them and do NOT commit;
     * another member may own them already, and what was not committed is redelivered there.
     */
    void lost(Set<TopicPartition> partitions);

    /** The member stopped for good; it sends nothing more. */
    void failed(MembershipFailure failure);

    /**
     * One revocation in progress, handed to {@link MembershipListener#revoked}; {@link #done()} may
     * be called from any thread, once (later calls do nothing).
     */
    interface Revocation {
        /** How long to wait for pending acknowledgements before committing anyway. */
        long graceMs();

        /** The revoked partitions are stopped and their acknowledged offsets committed. */
        void done();
    }
}
