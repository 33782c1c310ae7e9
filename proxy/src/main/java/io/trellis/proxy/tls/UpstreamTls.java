package io.trellis.proxy.tls;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import io.trellis.common.Diagnostic;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The client side of {@code envoy.transport_sockets.tls} ({@code UpstreamTlsContext}), built once at config time:
 * SNI, trusted CA with chain verification, subject-alt-name matching ({@code match_typed_subject_alt_names}), a client
 * certificate, ALPN and {@code tls_params}. Uses OpenSSL (BoringSSL from netty-tcnative) when available, the JDK
 * otherwise.
 *
 * <p>As in Envoy, a context without a validation context does not verify the server (a warning is logged once).
 * Verification failures surface as handshake failures whose message starts with {@code certificate verify failed:};
 * {@link #failureReason(Throwable)} extracts it for {@code %UPSTREAM_TRANSPORT_FAILURE_REASON%}.
 */
public final class UpstreamTls {
  private static final Logger LOG = Logger.getLogger(UpstreamTls.class.getName());

  private final String sni;
  private final boolean verifying;
  private final SslContext configured;
  private final SslContext h2;
  private final SslContext http1;
  private final List<String> alpn;

  private UpstreamTls(String sni, boolean verifying, SslContext configured, SslContext h2, SslContext http1,
      List<String> alpn) {
    this.sni = sni;
    this.verifying = verifying;
    this.configured = configured;
    this.h2 = h2;
    this.http1 = http1;
    this.alpn = alpn;
  }

  /** Which ALPN list a connection offers when {@code alpn_protocols} is empty (Envoy fills it from the codec). */
  public enum Alpn {
    /** Exactly the configured {@code alpn_protocols} (tcp_proxy). */
    CONFIGURED,
    /** {@code h2} unless configured otherwise (HTTP/2 pool). */
    H2,
    /** {@code http/1.1} unless configured otherwise (HTTP/1.1 pool). */
    HTTP1
  }

  /**
   * Builds the context. {@code path} is the path of the transport socket's {@code typed_config} for errors;
   * {@code owner} names the cluster in the warning about disabled verification.
   */
  public static UpstreamTls create(UpstreamTlsContext proto, String path, String owner) throws ConfigException {
    List<Diagnostic> errors = new ArrayList<>();
    CommonTlsContext common = proto.getCommonTlsContext();
    String cpath = path + ".common_tls_context";
    if (common.getTlsCertificateSdsSecretConfigsCount() > 0) {
      errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), cpath + ".tls_certificate_sds_secret_configs", "SDS is not supported yet"));
    }
    if (common.hasTlsCertificateProviderInstance() || common.hasCustomHandshaker()) {
      errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), cpath, "certificate provider instances and custom handshakers are not supported"));
    }
    if (proto.getAllowRenegotiation()) {
      errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), path + ".allow_renegotiation", "renegotiation is not supported"));
    }
    if (common.getTlsCertificatesCount() > 1) {
      errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), cpath + ".tls_certificates", "at most one client certificate is supported"));
    }
    CertificateValidationContext validation = null;
    String vpath = cpath + ".validation_context";
    switch (common.getValidationContextTypeCase()) {
      case VALIDATION_CONTEXT -> validation = common.getValidationContext();
      case COMBINED_VALIDATION_CONTEXT -> {
        if (common.getCombinedValidationContext().hasValidationContextSdsSecretConfig()) {
          errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), cpath + ".combined_validation_context.validation_context_sds_secret_config",
              "SDS is not supported yet"));
        }
        validation = common.getCombinedValidationContext().getDefaultValidationContext();
        vpath = cpath + ".combined_validation_context.default_validation_context";
      }
      case VALIDATIONCONTEXTTYPE_NOT_SET -> { }
      default -> errors.add(Diagnostic.at(ConfigCode.UNSUPPORTED_FIELD.code(), cpath,
          common.getValidationContextTypeCase() + " is not supported (supported: validation_context, "
              + "combined_validation_context)"));
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    List<X509Certificate> trusted = List.of();
    List<SanMatcher> sanMatchers = List.of();
    if (validation != null) {
      if (validation.getVerifyCertificateSpkiCount() > 0 || validation.getVerifyCertificateHashCount() > 0
          || validation.hasCrl() || validation.hasCustomValidatorConfig()
          || validation.getMatchSubjectAltNamesCount() > 0) {
        throw ConfigException.of(ConfigCode.UNSUPPORTED_FIELD.code(), vpath, "only trusted_ca and match_typed_subject_alt_names are supported");
      }
      if (!validation.hasTrustedCa()) {
        throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), vpath + ".trusted_ca", "trusted_ca is required in a validation context");
      }
      trusted = TlsFiles.certificates(validation.getTrustedCa(), vpath + ".trusted_ca");
      sanMatchers = sanMatchers(validation.getMatchTypedSubjectAltNamesList(),
          vpath + ".match_typed_subject_alt_names");
    } else {
      LOG.warning(() -> "cluster '" + owner + "': upstream TLS without a validation context does not verify the "
          + "server certificate (as in Envoy); set common_tls_context.validation_context.trusted_ca");
    }
    byte[] certChain = null;
    byte[] key = null;
    if (common.getTlsCertificatesCount() == 1) {
      TlsCertificate tc = common.getTlsCertificates(0);
      String tpath = cpath + ".tls_certificates[0]";
      TlsFiles.certificates(tc.getCertificateChain(), tpath + ".certificate_chain");
      certChain = TlsFiles.load(tc.getCertificateChain(), tpath + ".certificate_chain");
      key = TlsFiles.privateKey(tc.getPrivateKey(), tpath + ".private_key");
    }
    List<String> protocols = protocols(common.getTlsParams(), cpath + ".tls_params");
    List<String> alpn = List.copyOf(common.getAlpnProtocolsList());
    TrustManager tm = validation == null ? null : new VerifyingTrustManager(trusted, sanMatchers);
    Settings s = new Settings(tm, certChain, key, protocols, common.getTlsParams().getCipherSuitesList());
    SslContext configured = build(s, alpn, cpath);
    SslContext h2 = alpn.isEmpty() ? build(s, List.of(ApplicationProtocolNames.HTTP_2), cpath) : configured;
    SslContext http1 = alpn.isEmpty() ? build(s, List.of(ApplicationProtocolNames.HTTP_1_1), cpath) : configured;
    return new UpstreamTls(proto.getSni(), validation != null, configured, h2, http1, alpn);
  }

  private record Settings(TrustManager trustManager, byte[] certChain, byte[] key, List<String> protocols,
      List<String> ciphers) {}

  private static SslContext build(Settings s, List<String> alpn, String path) throws ConfigException {
    SslContextBuilder b = SslContextBuilder.forClient()
        .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
        .protocols(s.protocols());
    if (s.trustManager() != null) {
      b.trustManager(s.trustManager());
    } else {
      b.trustManager(InsecureTrustManagerFactory.INSTANCE);
    }
    if (!s.ciphers().isEmpty()) {
      b.ciphers(s.ciphers());
    }
    if (!alpn.isEmpty()) {
      b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
    }
    try {
      if (s.certChain() != null) {
        b.keyManager(new ByteArrayInputStream(s.certChain()), new ByteArrayInputStream(s.key()));
      }
      return b.build();
    } catch (Exception e) {
      throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), path, "cannot build the TLS context: " + e.getMessage());
    }
  }

  private static List<String> protocols(TlsParameters p, String path) throws ConfigException {
    int min = switch (p.getTlsMinimumProtocolVersion()) {
      case TLS_AUTO, TLSv1_2 -> 2;
      case TLSv1_3 -> 3;
      default -> throw ConfigException.of(ConfigCode.UNSUPPORTED_ENUM_VALUE.code(), path + ".tls_minimum_protocol_version",
          "value '" + p.getTlsMinimumProtocolVersion() + "' is not supported (supported: TLSv1_2, TLSv1_3)");
    };
    int max = switch (p.getTlsMaximumProtocolVersion()) {
      case TLS_AUTO, TLSv1_3 -> 3;
      case TLSv1_2 -> 2;
      default -> throw ConfigException.of(ConfigCode.UNSUPPORTED_ENUM_VALUE.code(), path + ".tls_maximum_protocol_version",
          "value '" + p.getTlsMaximumProtocolVersion() + "' is not supported (supported: TLSv1_2, TLSv1_3)");
    };
    if (min > max) {
      throw ConfigException.of(ConfigCode.BAD_NUMBER.code(), path, "tls_minimum_protocol_version is above tls_maximum_protocol_version");
    }
    if (p.getEcdhCurvesCount() > 0 || p.getSignatureAlgorithmsCount() > 0) {
      throw ConfigException.of(ConfigCode.UNSUPPORTED_FIELD.code(), path, "ecdh_curves and signature_algorithms are not supported yet");
    }
    List<String> out = new ArrayList<>();
    for (int v = min; v <= max; v++) {
      out.add("TLSv1." + v);
    }
    return List.copyOf(out);
  }

  /** SNI to send, or "" for none. */
  public String sni() {
    return sni;
  }

  /** True when the server certificate is verified against trusted_ca. */
  public boolean verifying() {
    return verifying;
  }

  /** The configured alpn_protocols. */
  public List<String> alpnProtocols() {
    return alpn;
  }

  /** A new client SslHandler for one connection; {@code port} is the peer port (session cache key). */
  public SslHandler newHandler(ByteBufAllocator alloc, int port, Alpn mode, long handshakeTimeoutMillis) {
    SslContext ctx = switch (mode) {
      case CONFIGURED -> configured;
      case H2 -> h2;
      case HTTP1 -> http1;
    };
    SslHandler h = sni.isEmpty() ? ctx.newHandler(alloc) : ctx.newHandler(alloc, sni, port);
    h.setHandshakeTimeout(handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
    return h;
  }

  /**
   * A one-line reason for a failed upstream TLS handshake, for {@code %UPSTREAM_TRANSPORT_FAILURE_REASON%}: the
   * verification message when there is one ({@code certificate verify failed: ...}), otherwise the deepest message.
   */
  public static String failureReason(Throwable t) {
    String last = null;
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      String m = c.getMessage();
      if (m != null && m.startsWith("certificate verify failed")) {
        return m;
      }
      if (m != null) {
        last = m;
      }
    }
    return last == null ? t.getClass().getSimpleName() : last;
  }

  /** One {@code match_typed_subject_alt_names} entry. */
  record SanMatcher(SubjectAltNameMatcher.SanType type, StringMatcher matcher, Pattern regex) {
    boolean matches(String value) {
      String v = matcher.getIgnoreCase() ? value.toLowerCase(Locale.ROOT) : value;
      return switch (matcher.getMatchPatternCase()) {
        case EXACT -> matcher.getIgnoreCase() ? v.equals(matcher.getExact().toLowerCase(Locale.ROOT))
            : v.equals(matcher.getExact());
        case PREFIX -> v.startsWith(matcher.getIgnoreCase()
            ? matcher.getPrefix().toLowerCase(Locale.ROOT) : matcher.getPrefix());
        case SUFFIX -> v.endsWith(matcher.getIgnoreCase()
            ? matcher.getSuffix().toLowerCase(Locale.ROOT) : matcher.getSuffix());
        case CONTAINS -> v.contains(matcher.getIgnoreCase()
            ? matcher.getContains().toLowerCase(Locale.ROOT) : matcher.getContains());
        case SAFE_REGEX -> regex.matcher(value).matches();
        default -> false;
      };
    }

    /** The GeneralName tag of this SAN type (RFC 5280). */
    int tag() {
      return switch (type) {
        case EMAIL -> 1;
        case DNS -> 2;
        case URI -> 6;
        case IP_ADDRESS -> 7;
        default -> -1;
      };
    }

    @Override
    public String toString() {
      return type + ":" + matcher.getMatchPatternCase().name().toLowerCase(Locale.ROOT);
    }
  }

  private static List<SanMatcher> sanMatchers(List<SubjectAltNameMatcher> list, String path) throws ConfigException {
    List<SanMatcher> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      SubjectAltNameMatcher m = list.get(i);
      String p = path + "[" + i + "]";
      switch (m.getSanType()) {
        case DNS, URI, EMAIL, IP_ADDRESS -> { }
        default -> throw ConfigException.of(ConfigCode.UNSUPPORTED_ENUM_VALUE.code(), p + ".san_type",
            "value '" + m.getSanType() + "' is not supported (supported: DNS, URI, EMAIL, IP_ADDRESS)");
      }
      Pattern regex = null;
      switch (m.getMatcher().getMatchPatternCase()) {
        case EXACT, PREFIX, SUFFIX, CONTAINS -> { }
        case SAFE_REGEX -> {
          try {
            regex = Pattern.compile(m.getMatcher().getSafeRegex().getRegex());
          } catch (RuntimeException e) {
            throw ConfigException.of(ConfigCode.BAD_REGEX.code(), p + ".matcher.safe_regex.regex", "invalid regex: " + e.getMessage());
          }
        }
        default -> throw ConfigException.of(ConfigCode.UNSUPPORTED_FIELD.code(), p + ".matcher",
            "a matcher is required (supported: exact, prefix, suffix, contains, safe_regex)");
      }
      out.add(new SanMatcher(m.getSanType(), m.getMatcher(), regex));
    }
    return List.copyOf(out);
  }

  /**
   * PKIX chain verification against trusted_ca, then SAN matching; failures say "certificate verify failed: ...".
   */
  static final class VerifyingTrustManager extends X509ExtendedTrustManager {
    private final X509TrustManager pkix;
    private final List<SanMatcher> sans;

    VerifyingTrustManager(List<X509Certificate> trusted, List<SanMatcher> sans) throws ConfigException {
      this.sans = sans;
      try {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        for (int i = 0; i < trusted.size(); i++) {
          ks.setCertificateEntry("ca-" + i, trusted.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        X509TrustManager found = null;
        for (TrustManager t : tmf.getTrustManagers()) {
          if (t instanceof X509TrustManager x) {
            found = x;
          }
        }
        this.pkix = found;
      } catch (Exception e) {
        throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), "", "cannot build the trust store: " + e.getMessage());
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      try {
        pkix.checkServerTrusted(chain, authType);
      } catch (CertificateException e) {
        throw new CertificateException("certificate verify failed: " + rootMessage(e), e);
      }
      checkSans(chain[0]);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    private void checkSans(X509Certificate leaf) throws CertificateException {
      if (sans.isEmpty()) {
        return;
      }
      Collection<List<?>> names;
      try {
        names = leaf.getSubjectAlternativeNames();
      } catch (CertificateParsingException e) {
        throw new CertificateException("certificate verify failed: unreadable subject alternative names", e);
      }
      List<String> seen = new ArrayList<>();
      if (names != null) {
        for (List<?> n : names) {
          int tag = (Integer) n.get(0);
          String value = String.valueOf(n.get(1));
          if (tag == 7) {
            value = normalizeIp(value);
          }
          seen.add(value);
          for (SanMatcher m : sans) {
            if (m.tag() == tag && m.matches(value)) {
              return;
            }
          }
        }
      }
      throw new CertificateException("certificate verify failed: no subject alternative name of the server "
          + "certificate " + seen + " matches match_typed_subject_alt_names " + sans);
    }

    private static String normalizeIp(String ip) {
      try {
        return InetAddress.ofLiteral(ip).getHostAddress();
      } catch (IllegalArgumentException e) {
        return ip;
      }
    }

    private static String rootMessage(Throwable t) {
      Throwable c = t;
      while (c.getCause() != null && c.getCause() != c) {
        c = c.getCause();
      }
      return c.getMessage() != null ? c.getMessage() : t.getMessage();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("an upstream context does not verify clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return pkix.getAcceptedIssuers();
    }
  }
}
