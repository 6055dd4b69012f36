package dev.converge.agent.etcd;

import java.net.URI;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * Says which TLS problem made an etcd call fail, from the failure's causes and suppressed
 * exceptions: the server's certificate signed by a CA this agent does not trust, expired or not
 * yet valid, or not for the host name connected to; a client certificate that etcd wants or
 * rejected; a server that does not speak TLS.
 *
 * <p>Invariants: a diagnosis is one line, names no Java class, and says which option or
 * certificate to check. Stateless: any thread may call it.
 */
final class TlsDiagnosis {

    /** A fully qualified class name, with the ": " that follows it in an exception's message. */
    private static final Pattern CLASS_NAME = Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?::\\s*)?");
    private static final Pattern ALERT = Pattern.compile("Received fatal alert: (\\w+)");
    /** The JDK's host name check: "No subject alternative names matching IP address 1.2.3.4 found", "... DNS name matching h found.". */
    private static final Pattern HOST_MISMATCH =
            Pattern.compile("No (?:subject alternative (?:names|DNS name)|name) matching (?:IP address )?(\\S+?)\\.? found");
    /** How a {@link CertificateExpiredException} gives the date: "NotAfter: Thu Jan 02 00:00:00 UTC 2025". */
    private static final DateTimeFormatter DATE_STRING = DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss zzz yyyy", Locale.US);

    private TlsDiagnosis() {
    }

    /**
     * The TLS problem behind {@code failure}, in one line that follows "TLS handshake failed: ";
     * empty when it is not a TLS failure.
     */
    static Optional<String> of(Throwable failure, EtcdSettings settings) {
        List<Throwable> chain = chain(failure);
        for (Throwable t : chain) {
            if (t instanceof CertPathValidatorException v
                    && (v.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                        || v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
                return Optional.of(validity(v, chain));
            }
        }
        for (Throwable t : chain) {
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                return Optional.of(validity(null, chain));
            }
        }
        for (Throwable t : chain) {
            if (t instanceof CertPathBuilderException || (t instanceof CertPathValidatorException v
                    && v.getReason() == PKIXReason.NO_TRUST_ANCHOR)) {
                return Optional.of("the server's certificate is signed by an unknown CA (check --etcd-cacert: "
                        + (settings.caCert() == null ? "none given, so only the JDK's default CAs are trusted"
                                : settings.caCert() + " does not hold the CA that signed it")
                        + ")");
            }
        }
        for (Throwable t : chain) {
            Matcher m = t.getMessage() == null ? null : HOST_MISMATCH.matcher(t.getMessage());
            if (t instanceof CertificateException && m != null && m.find()) {
                return Optional.of("the server's certificate is not for " + m.group(1)
                        + " (no subject alternative name matches it): connect with a name or address the certificate"
                        + " holds, or reissue it with this one");
            }
        }
        for (Throwable t : chain) {
            Matcher m = t.getMessage() == null ? null : ALERT.matcher(t.getMessage());
            if (t instanceof SSLException && m != null && m.find()) {
                return Optional.of(alert(m.group(1), settings));
            }
        }
        for (Throwable t : chain) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("handshake was in progress") || message.contains("performing TLS negotiation")
                    || message.contains("not an SSL/TLS record")) {
                return Optional.of("the server closed the connection: check that " + hosts(settings)
                        + " serves TLS (an etcd without TLS takes http:// and no --etcd-cacert)");
            }
        }
        for (Throwable t : chain) {
            if (t instanceof SSLException && t.getMessage() != null) {
                return Optional.of(oneLine(t.getMessage()));
            }
        }
        return Optional.empty();
    }

    /**
     * {@code text}'s first line without the Java class names in it, so a library's exception
     * message can be printed: "PKIX path building failed: sun.security...Exception: unable to
     * find ..." becomes "PKIX path building failed: unable to find ...".
     */
    static String oneLine(String text) {
        String first = text == null ? "" : text.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst()
                .orElse("");
        return CLASS_NAME.matcher(first).replaceAll("").strip();
    }

    /** The server's (or a CA's in its chain) certificate is outside its validity dates. */
    private static String validity(CertPathValidatorException v, List<Throwable> chain) {
        boolean expired = v != null ? v.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                : chain.stream().anyMatch(t -> t instanceof CertificateExpiredException);
        String which = "the server's certificate";
        Instant date = null;
        if (v != null && v.getCertPath() != null && v.getIndex() >= 0
                && v.getIndex() < v.getCertPath().getCertificates().size()) {
            Certificate c = v.getCertPath().getCertificates().get(v.getIndex());
            if (c instanceof X509Certificate x) {
                date = (expired ? x.getNotAfter() : x.getNotBefore()).toInstant();
                if (v.getIndex() > 0) {
                    which = "the certificate of " + x.getSubjectX500Principal().getName() + " in the server's chain";
                }
            }
        }
        if (date == null) {
            date = chain.stream()
                    .filter(t -> t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException)
                    .map(t -> parseDate(t.getMessage())).flatMap(Optional::stream).findFirst().orElse(null);
        }
        if (expired) {
            return which + " has expired" + (date == null ? "" : " (notAfter " + date + ")") + ": renew it";
        }
        return which + " is not valid yet" + (date == null ? "" : " (notBefore " + date + ")")
                + ": check this machine's clock";
    }

    /** The date in "NotAfter: Thu Jan 02 00:00:00 UTC 2025" (or NotBefore). */
    private static Optional<Instant> parseDate(String message) {
        if (message == null || message.indexOf(": ") < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(ZonedDateTime.parse(message.substring(message.indexOf(": ") + 2).strip(), DATE_STRING)
                    .toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** etcd ended the handshake with this alert. */
    private static String alert(String alert, EtcdSettings settings) {
        boolean aboutClientCertificate = switch (alert) {
            case "certificate_required", "bad_certificate", "unknown_ca", "certificate_unknown",
                 "certificate_expired", "certificate_revoked", "unsupported_certificate", "access_denied" -> true;
            default -> false;
        };
        if (aboutClientCertificate && settings.cert() == null) {
            return "etcd wants a client certificate: give --etcd-cert and --etcd-key (etcd alert " + alert + ")";
        }
        if (aboutClientCertificate) {
            return "etcd rejected the client certificate " + settings.cert() + " (etcd alert " + alert
                    + "): it must be signed by a CA in etcd's --trusted-ca-file, be valid now and allow client auth";
        }
        if (alert.equals("handshake_failure") || alert.equals("protocol_version")
                || alert.equals("insufficient_security")) {
            return "etcd and this agent have no TLS version or cipher suite in common (etcd alert " + alert + ")";
        }
        return "etcd ended the TLS handshake (etcd alert " + alert + ")";
    }

    private static String hosts(EtcdSettings settings) {
        return settings.endpoints().stream().map(URI::toString).collect(Collectors.joining(","));
    }

    /** {@code failure}, its causes and their suppressed exceptions, depth first, each once. */
    private static List<Throwable> chain(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> all = new ArrayList<>();
        List<Throwable> todo = new ArrayList<>();
        todo.add(failure);
        while (!todo.isEmpty() && all.size() < 50) {
            Throwable t = todo.removeFirst();
            if (t == null || !seen.add(t)) {
                continue;
            }
            all.add(t);
            List<Throwable> next = new ArrayList<>();
            next.add(t.getCause());
            next.addAll(List.of(t.getSuppressed()));
            todo.addAll(0, next);
        }
        return all;
    }
}
