package io.ferry.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The strict check of a request's query parameters against the names its route knows (issue 16:
 * {@code ?acks=kafka}, a typo of {@code ack}, answered 202 at the default ack level); stateless,
 * any thread. An unknown name or a repeated one is refused with 400 naming it and listing the known
 * ones. The known names are per route ({@code HttpApi.Route}): a new route lists its own; a lenient
 * listener (a compatibility dialect) does not call this.
 */
final class QueryCheck {
    private QueryCheck() {}

    /**
     * Checks the raw query {@code q} (null: none) against {@code known}.
     *
     * @throws ApiException 400 {@code unknown_parameter} or {@code repeated_parameter}
     * @throws IllegalArgumentException for a malformed %-escape in a name
     */
    static void check(String q, Set<String> known) {
        if (q == null || q.isEmpty()) {
            return;
        }
        int len = q.length();
        int i = 0;
        List<String> unknown = null;
        // the names seen so far: a route knows a handful, so a linear scan of a small array beats
        // a HashSet allocated per request (this runs for every produce request)
        String[] seen = null;
        int seenCount = 0;
        while (i < len) {
            int amp = q.indexOf('&', i);
            if (amp < 0) {
                amp = len;
            }
            if (amp > i) {
                int eq = q.indexOf('=', i);
                String raw = q.substring(i, eq < 0 || eq > amp ? amp : eq);
                String name = Exchange.decodeName(raw);
                if (!known.contains(name)) {
                    if (unknown == null) {
                        unknown = new ArrayList<>(2);
                    }
                    unknown.add(name);
                } else {
                    if (seen == null) {
                        seen = new String[known.size()];
                    }
                    boolean again = false;
                    for (int s = 0; s < seenCount && !again; s++) {
                        again = seen[s].equals(name);
                    }
                    if (!again) {
                        seen[seenCount++] = name;
                    } else {
                        throw ApiException.badRequest(
                                "repeated_parameter",
                                "query parameter '"
                                        + name
                                        + "' is given more than once; give it once");
                    }
                }
            }
            i = amp + 1;
        }
        if (unknown != null) {
            throw ApiException.badRequest(
                    "unknown_parameter",
                    "unknown query parameter"
                            + (unknown.size() > 1 ? "s " : " ")
                            + quoted(unknown)
                            + (known.isEmpty()
                                    ? "; this path takes none"
                                    : "; known: " + String.join(", ", new TreeSet<>(known))));
        }
    }

    private static String quoted(List<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            b.append(b.length() == 0 ? "" : ", ").append('\'').append(n).append('\'');
        }
        return b.toString();
    }
}
