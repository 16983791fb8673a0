package io.ferry.gateway.security;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * The principal of a TLS client certificate, from the part {@code client-cert.principal} names; any
 * thread. The TLS layer has verified the certificate against the client CA before a request
 * arrives: this only reads it.
 */
public final class CertPrincipals {
    /* Design notes
     * Per connection, once: the verdict is bound to the TLS session (SSLSession.putValue under a
     * name of this instance), so every later request of the connection (and of a resumed session,
     * which has the same peer certificate) finds it with one lookup. A race of two requests of one
     * session computing it twice is benign: both compute the same verdict.
     */
    private static final int SAN_EMAIL = 1;
    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    private final AuthConfig.PrincipalFrom from;
    private final String sessionKey;

    /** Principals from {@code from}. */
    public CertPrincipals(AuthConfig.PrincipalFrom from) {
        this.from = from;
        this.sessionKey =
                "io.ferry.principal." + from.wireName() + "." + System.identityHashCode(this);
    }

    /** The verdict for the peer of {@code ssl}, computed once per session. */
    public Verdict verdict(SSLSession ssl) {
        Object v = ssl.getValue(sessionKey);
        if (v instanceof Verdict known) {
            return known;
        }
        Verdict made = compute(ssl);
        ssl.putValue(sessionKey, made);
        return made;
    }

    private Verdict compute(SSLSession ssl) {
        Certificate[] chain;
        try {
            chain = ssl.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            chain = null;
        }
        if (chain == null || chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return Verdict.refused(
                    null,
                    AuthFailure.NO_CREDENTIALS,
                    "no credentials: the TLS connection has no client certificate");
        }
        String name = principal(leaf, from);
        if (name == null || name.isBlank()) {
            return Verdict.refused(
                    AuthConfig.Method.CLIENT_CERT,
                    AuthFailure.CERTIFICATE_WITHOUT_PRINCIPAL,
                    "the client certificate has no "
                            + describe(from)
                            + " (client-cert.principal: "
                            + from.wireName()
                            + ")");
        }
        return Verdict.ok(
                AuthConfig.Method.CLIENT_CERT,
                new Principal(name, Set.of(), AuthConfig.Method.CLIENT_CERT.wireName()));
    }

    /** The principal of {@code cert} by {@code from}, or null when it has none there. */
    public static String principal(X509Certificate cert, AuthConfig.PrincipalFrom from) {
        X500Principal subject = cert.getSubjectX500Principal();
        return switch (from) {
            case SUBJECT -> subject.getName(X500Principal.RFC2253);
            case CN -> cn(subject);
            case SAN_DNS -> san(cert, SAN_DNS);
            case SAN_EMAIL -> san(cert, SAN_EMAIL);
            case SAN_URI -> san(cert, SAN_URI);
        };
    }

    private static String cn(X500Principal subject) {
        try {
            List<Rdn> rdns = new LdapName(subject.getName(X500Principal.RFC2253)).getRdns();
            // LdapName's index 0 is the rightmost RDN: from the end, the leftmost (most specific)
            // CN
            for (int i = rdns.size() - 1; i >= 0; i--) {
                Rdn r = rdns.get(i);
                if (r.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(r.getValue());
                }
            }
            return null;
        } catch (InvalidNameException e) {
            return null;
        }
    }

    private static String san(X509Certificate cert, int type) {
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return null;
        }
        if (sans == null) {
            return null;
        }
        for (List<?> s : sans) {
            if (s.size() >= 2
                    && s.get(0) instanceof Integer t
                    && t == type
                    && s.get(1) instanceof String v) {
                return v;
            }
        }
        return null;
    }

    private static String describe(AuthConfig.PrincipalFrom f) {
        return switch (f) {
            case CN -> "common name (CN) in its subject";
            case SUBJECT -> "subject";
            case SAN_DNS -> "DNS name among its subject alternative names";
            case SAN_EMAIL -> "e-mail address among its subject alternative names";
            case SAN_URI -> "URI among its subject alternative names";
        };
    }
}
