package io.ferry.kafka.consume;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;

/**
 * A {@link MembershipListener} for tests: records every call as a line ("assigned t-0,t-1",
 * "revoked t-2 grace 3000", "lost t-0", "failed NOT_AUTHORIZED"), keeps the revocations for the
 * test to complete, and checks that calls come from one thread.
 */
final class RecordingListener implements MembershipListener {
    final List<String> events = new ArrayList<>();
    final List<Revocation> revocations = new ArrayList<>();
    MembershipFailure failure;
    private Thread caller;

    @Override
    public void assigned(Set<TopicPartition> partitions) {
        record("assigned " + names(partitions));
    }

    @Override
    public void revoked(Set<TopicPartition> partitions, Revocation revocation) {
        record("revoked " + names(partitions) + " grace " + revocation.graceMs());
        revocations.add(revocation);
    }

    @Override
    public void lost(Set<TopicPartition> partitions) {
        record("lost " + names(partitions));
    }

    @Override
    public void failed(MembershipFailure f) {
        record("failed " + f.code());
        failure = f;
    }

    /** Completes the latest revocation. */
    void completeRevocation() {
        revocations.get(revocations.size() - 1).done();
    }

    private void record(String e) {
        Thread t = Thread.currentThread();
        if (caller == null) {
            caller = t;
        } else if (caller != t) {
            throw new AssertionError("listener called from " + t + " and " + caller);
        }
        events.add(e);
    }

    static String names(Set<TopicPartition> ps) {
        return new TreeSet<>(ps.stream().map(TopicPartition::toString).toList())
                .stream().collect(Collectors.joining(","));
    }
}
