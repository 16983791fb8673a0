package io.ferry.gateway;

import io.ferry.gateway.security.AccessRules;
import io.ferry.gateway.security.Listener;
import io.ferry.gateway.security.ListenerSecurity;
import io.ferry.gateway.security.Operation;
import io.ferry.gateway.security.Principal;
import io.ferry.gateway.security.SecurityConfig;

/**
 * The gateway's {@link Authorizer}: each listener's {@code authorization.rules} ({@link
 * AccessRules}), keyed by the call's {@link CallContext#listener()}; any thread, never blocks; a
 * permitted call whose decision is cached allocates nothing. Refusals are audited ({@link
 * RefusalAudit}) and worded "principal 'alice' may not produce to topic 'payments' of cluster
 * 'default'".
 */
@SuppressWarnings("EnumOrdinal") // arrays per listener: the hot path indexes, no map lookup
final class RuleAuthorizer implements Authorizer {
    /* Design notes
     * Default deny once a listener authenticates: an authenticated principal may do only what a
     * rule of its listener allows. An anonymous call (no principal) comes only from a listener
     * that does not authenticate, where everybody may do everything (today's behaviour); on a
     * listener that authenticates, the front end answers 401 before a service is called, and an
     * anonymous call that got through anyway is refused here (reason anonymous).
     * Order: the services call this before they look at the topic (its name, its existence), so
     * the answer to a refused caller is the same for an existing and a missing topic.
     */

    private final AccessRules[] rules = new AccessRules[Listener.values().length];
    private final boolean[] authenticates = new boolean[Listener.values().length];
    private final RefusalAudit audit;

    RuleAuthorizer(SecurityConfig security, RefusalAudit audit) {
        for (Listener l : Listener.values()) {
            ListenerSecurity s = l.settings(security);
            rules[l.ordinal()] = AccessRules.of(s.authorization());
            authenticates[l.ordinal()] = Exposure.authenticates(s);
        }
        this.audit = audit;
    }

    @Override
    public ProduceRefusal authorizeProduce(CallContext caller, String cluster, String topic) {
        Principal p = caller.principal();
        int l = caller.listener().ordinal();
        if (p == null ? !authenticates[l] : rules[l].allows(p, Operation.PRODUCE, cluster, topic)) {
            return null; // the hot path: a cached decision, no allocation
        }
        return new ProduceRefusal(
                ProduceRefusal.Code.NOT_AUTHORIZED,
                refuse(caller, Operation.PRODUCE, cluster, topic, null));
    }

    @Override
    public ConsumeRefused authorizeConsume(
            CallContext caller, String cluster, String topic, String group) {
        Principal p = caller.principal();
        int l = caller.listener().ordinal();
        if (p == null) {
            return authenticates[l]
                    ? new ConsumeRefused(
                            ConsumeRefused.Code.NOT_AUTHORIZED,
                            refuse(caller, Operation.CONSUME, cluster, topic, group))
                    : null;
        }
        if (!rules[l].allows(p, Operation.CONSUME, cluster, topic)) {
            return new ConsumeRefused(
                    ConsumeRefused.Code.NOT_AUTHORIZED,
                    refuse(caller, Operation.CONSUME, cluster, topic, group));
        }
        // no group given: the service answers that one is needed
        if (group != null && !group.isEmpty() && !rules[l].allowsGroup(p, cluster, group)) {
            audit.refused(
                    caller.listener(),
                    p,
                    Operation.CONSUME,
                    cluster,
                    topic,
                    group,
                    RefusalAudit.Reason.GROUP_NOT_ALLOWED);
            return new ConsumeRefused(
                    ConsumeRefused.Code.NOT_AUTHORIZED,
                    who(p)
                            + " may not consume in group '"
                            + group
                            + "' of cluster '"
                            + cluster
                            + "' (topic '"
                            + topic
                            + "')");
        }
        return null;
    }

    @Override
    public ProduceRefusal authorizeDescribe(CallContext caller, String cluster, String topic) {
        if (mayDescribe(caller, cluster, topic)) {
            return null;
        }
        return new ProduceRefusal(
                ProduceRefusal.Code.NOT_AUTHORIZED,
                refuse(caller, Operation.DESCRIBE, cluster, topic, null));
    }

    @Override
    public boolean mayDescribe(CallContext caller, String cluster, String topic) {
        Principal p = caller.principal();
        int l = caller.listener().ordinal();
        return p == null
                ? !authenticates[l]
                : rules[l].allows(p, Operation.DESCRIBE, cluster, topic);
    }

    /** Audits the refusal of {@code op} on {@code topic}; its message. */
    private String refuse(
            CallContext caller, Operation op, String cluster, String topic, String group) {
        Principal p = caller.principal();
        audit.refused(
                caller.listener(),
                p,
                op,
                cluster,
                topic,
                group,
                p == null ? RefusalAudit.Reason.ANONYMOUS : RefusalAudit.Reason.NOT_ALLOWED);
        String what =
                switch (op) {
                    case PRODUCE -> " may not produce to topic '";
                    case CONSUME -> " may not consume topic '";
                    case DESCRIBE -> " may not describe topic '";
                };
        return who(p) + what + topic + "' of cluster '" + cluster + "'";
    }

    private static String who(Principal p) {
        return p == null ? "an anonymous caller" : "principal '" + p.name() + "'";
    }
}
