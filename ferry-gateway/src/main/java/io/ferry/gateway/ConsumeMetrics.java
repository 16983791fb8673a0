package io.ferry.gateway;

import io.ferry.kafka.consume.GroupMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * The consume side's metrics (docs/gateway.md "Metrics"): per cluster the long polls waiting and
 * the groups consumed; per group the messages offered, acknowledged, redelivered and dead-lettered,
 * and those pending; per partition the lag. Refreshed by {@link #refresh} (the consume service's
 * janitor thread, once a second): a scrape reads the last snapshot, so it never walks the groups'
 * partitions itself. {@link #refresh} is called by one thread at a time.
 */
final class ConsumeMetrics {
    private final MeterRegistry registry;
    private final ConsumeService service;
    private final Map<String, MultiGauge> lag = new HashMap<>();

    /** Per (cluster, group): the last snapshot and its meters. */
    private final Map<List<String>, Tracked> groups = new HashMap<>();

    private static final class Tracked {
        volatile GroupMetrics last;
        final List<Meter> meters = new ArrayList<>();
    }

    ConsumeMetrics(MeterRegistry registry, ConsumeService service) {
        this.registry = registry;
        this.service = service;
        for (ConsumeCluster c : service.clusters().values()) {
            Gauge.builder("ferry.consume.polls.waiting", c, x -> x.waiting.get())
                    .description("consume requests (long polls) waiting for messages now")
                    .tag("cluster", c.name)
                    .register(registry);
            Gauge.builder("ferry.consume.groups", c, x -> x.groups().size())
                    .description("consumer groups this gateway is a member of now")
                    .tag("cluster", c.name)
                    .register(registry);
            lag.put(
                    c.name,
                    MultiGauge.builder("ferry.consume.lag")
                            .description(
                                    "messages not yet acknowledged up to the high watermark, per"
                                            + " partition this gateway owns")
                            .register(registry));
        }
    }

    /** Takes a snapshot of every group; registers and removes meters as groups come and go. */
    void refresh() {
        Map<List<String>, Tracked> seen = new HashMap<>();
        for (ConsumeCluster c : service.clusters().values()) {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (Map.Entry<String, ConsumeCluster.Group> e : c.groups().entrySet()) {
                List<String> key = List.of(c.name, e.getKey());
                Tracked t = groups.get(key);
                if (t == null) {
                    t = register(c.name, e.getKey());
                }
                GroupMetrics m = e.getValue().consumer.metrics();
                t.last = m;
                seen.put(key, t);
                for (Map.Entry<TopicPartition, GroupMetrics.PartitionMetrics> p :
                        m.partitions().entrySet()) {
                    if (p.getValue().lag() >= 0) {
                        rows.add(
                                MultiGauge.Row.of(
                                        Tags.of(
                                                "group",
                                                e.getKey(),
                                                "topic",
                                                p.getKey().topic(),
                                                "partition",
                                                Integer.toString(p.getKey().partition())),
                                        p.getValue().lag()));
                    }
                }
            }
            lag.get(c.name).register(rows, true);
        }
        for (Map.Entry<List<String>, Tracked> e : groups.entrySet()) {
            if (!seen.containsKey(e.getKey())) {
                e.getValue().meters.forEach(registry::remove);
            }
        }
        groups.clear();
        groups.putAll(seen);
    }

    private Tracked register(String cluster, String group) {
        Tracked t = new Tracked();
        t.meters.add(
                counter(
                        "ferry.consume.offered",
                        "messages offered",
                        t,
                        cluster,
                        group,
                        GroupMetrics::offered));
        t.meters.add(
                counter(
                        "ferry.consume.acknowledged",
                        "messages acknowledged",
                        t,
                        cluster,
                        group,
                        GroupMetrics::acknowledged));
        t.meters.add(
                counter(
                        "ferry.consume.redelivered",
                        "messages offered again (ack timeout, release)",
                        t,
                        cluster,
                        group,
                        GroupMetrics::redelivered));
        t.meters.add(
                counter(
                        "ferry.consume.dead.lettered",
                        "messages past max-retries put in the dead letter",
                        t,
                        cluster,
                        group,
                        GroupMetrics::deadLettered));
        t.meters.add(
                Gauge.builder(
                                "ferry.consume.pending",
                                t,
                                x -> x.last == null ? 0 : x.last.pending())
                        .description("messages offered and not yet acknowledged")
                        .tags("cluster", cluster, "group", group)
                        .register(registry));
        return t;
    }

    private Meter counter(
            String name,
            String description,
            Tracked t,
            String cluster,
            String group,
            ToDoubleFunction<GroupMetrics> f) {
        return FunctionCounter.builder(name, t, x -> x.last == null ? 0 : f.applyAsDouble(x.last))
                .description(description)
                .tags("cluster", cluster, "group", group)
                .register(registry);
    }
}
