package io.trellis.proxy.tls;

import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import io.trellis.proxy.network.SupportedFields;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds {@link DownstreamTls} from a listener filter chain's {@code transport_socket}
 * ({@code envoy.transport_sockets.tls} with a {@code DownstreamTlsContext}), with Envoy's server defaults: TLS 1.2 to
 * 1.3, the provider's default cipher suites, no ALPN unless {@code alpn_protocols} is set (when the client offers
 * nothing in common the handshake goes on without ALPN, as BoringSSL in Envoy does).
 */
public final class DownstreamTlsContextFactory {
  /** Type URL of the DownstreamTlsContext in a transport_socket's typed_config. */
  public static final String TYPE_URL = "type.googleapis.com/" + DownstreamTlsContext.getDescriptor().getFullName();
  static final String RAW_BUFFER = "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";

  private static final Set<String> DOWNSTREAM_FIELDS = Set.of("common_tls_context", "require_client_certificate",
      "disable_stateless_session_resumption", "disable_stateful_session_resumption", "session_timeout");
  private static final Set<String> COMMON_FIELDS = Set.of("tls_params", "tls_certificates", "validation_context",
      "alpn_protocols");
  private static final Set<String> PARAMS_FIELDS = Set.of("tls_minimum_protocol_version",
      "tls_maximum_protocol_version", "cipher_suites");
  private static final Set<String> CERT_FIELDS = Set.of("certificate_chain", "private_key", "password");
  private static final Set<String> VALIDATION_FIELDS = Set.of("trusted_ca");

  private DownstreamTlsContextFactory() {}

  /**
   * The chain's TLS, or null for a plaintext chain (no transport_socket, or raw_buffer).
   *
   * @param path the transport_socket's config path
   */
  public static DownstreamTls fromTransportSocket(TransportSocket socket, String path) throws ConfigException {
    if (socket.getTypedConfig().getTypeUrl().isEmpty()) {
      if (socket.getName().isEmpty() || socket.getName().equals("envoy.transport_sockets.raw_buffer")) {
        return null;
      }
      throw ConfigException.of(ConfigCode.WRONG_SLOT.code(), path + ".typed_config", "transport socket '" + socket.getName()
          + "' needs a typed_config (" + TYPE_URL + ")");
    }
    String type = socket.getTypedConfig().getTypeUrl();
    if (type.equals(RAW_BUFFER)) {
      return null;
    }
    if (!type.equals(TYPE_URL)) {
      throw ConfigException.of(ConfigCode.WRONG_SLOT.code(), path + ".typed_config.@type", "transport socket type '" + type
          + "' is not supported on listeners (supported: " + TYPE_URL + ", " + RAW_BUFFER + ")");
    }
    try {
      return create(socket.getTypedConfig().unpack(DownstreamTlsContext.class), path + ".typed_config");
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw ConfigException.of(ConfigCode.WRONG_SLOT.code(), path + ".typed_config", "cannot decode DownstreamTlsContext: " + e);
    }
  }

  public static DownstreamTls create(DownstreamTlsContext config, String path) throws ConfigException {
    SupportedFields.check(config, path, DOWNSTREAM_FIELDS);
    CommonTlsContext common = config.getCommonTlsContext();
    String cp = path + ".common_tls_context";
    SupportedFields.check(common, cp, COMMON_FIELDS);
    if (common.getTlsCertificatesCount() == 0) {
      throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), cp + ".tls_certificates",
          "a downstream TLS context needs at least one certificate (certificate_chain and private_key)");
    }
    try {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      char[] pw = "trellis".toCharArray();
      for (int i = 0; i < common.getTlsCertificatesCount(); i++) {
        TlsCertificate tc = common.getTlsCertificates(i);
        String tp = cp + ".tls_certificates[" + i + "]";
        SupportedFields.check(tc, tp, CERT_FIELDS);
        if (!tc.hasCertificateChain() || !tc.hasPrivateKey()) {
          throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), tp, "certificate_chain and private_key are both required");
        }
        List<X509Certificate> chain = DownstreamTlsMaterial.certificates(tc.getCertificateChain(),
            tp + ".certificate_chain");
        String password = tc.hasPassword()
            ? new String(DownstreamTlsMaterial.read(tc.getPassword(), tp + ".password"),
                java.nio.charset.StandardCharsets.UTF_8).strip() : null;
        PrivateKey key = DownstreamTlsMaterial.privateKey(tc.getPrivateKey(), password, tp + ".private_key");
        keys.setKeyEntry("cert" + i, key, pw, chain.toArray(new X509Certificate[0]));
      }
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("NewSunX509");
      kmf.init(keys, pw);

      boolean openssl = OpenSsl.isAvailable();
      SslContextBuilder b = SslContextBuilder.forServer(kmf).sslProvider(openssl ? SslProvider.OPENSSL : SslProvider.JDK);

      boolean requireClient = config.hasRequireClientCertificate() && config.getRequireClientCertificate().getValue();
      if (common.hasValidationContext()) {
        CertificateValidationContext vc = common.getValidationContext();
        String vp = cp + ".validation_context";
        SupportedFields.check(vc, vp, VALIDATION_FIELDS);
        if (!vc.hasTrustedCa()) {
          throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), vp + ".trusted_ca", "validation_context needs trusted_ca");
        }
        List<X509Certificate> cas = DownstreamTlsMaterial.certificates(vc.getTrustedCa(), vp + ".trusted_ca");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < cas.size(); i++) {
          trust.setCertificateEntry("ca" + i, cas.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        b.trustManager(tmf);
        b.clientAuth(requireClient ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
      } else if (requireClient) {
        throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), path + ".require_client_certificate",
            "require_client_certificate needs common_tls_context.validation_context.trusted_ca");
      }

      TlsParameters params = common.getTlsParams();
      String pp = cp + ".tls_params";
      SupportedFields.check(params, pp, PARAMS_FIELDS);
      List<String> protocols = protocols(params, pp);
      b.protocols(protocols);
      if (params.getCipherSuitesCount() > 0) {
        List<String> ciphers = new ArrayList<>();
        for (String spec : params.getCipherSuitesList()) {
          for (String c : spec.replace("[", "").replace("]", "").split("\\|")) {
            String name = c.strip();
            if (name.isEmpty()) {
              continue;
            }
            if (!openssl) {
              String java = CipherSuiteConverter.toJava(name, "TLS");
              name = java != null ? java : name;
            }
            ciphers.add(name);
          }
        }
        if (protocols.contains("TLSv1.3")) {
          // TLS 1.3 suites are not configurable in Envoy (BoringSSL); keep them enabled.
          ciphers.addAll(List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"));
        }
        b.ciphers(ciphers);
      }
      List<String> alpn = common.getAlpnProtocolsList();
      if (!alpn.isEmpty()) {
        b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
      }
      if (config.hasSessionTimeout()) {
        b.sessionTimeout(config.getSessionTimeout().getSeconds());
      }
      SslContext ctx = b.build();
      // Unknown cipher names or protocols only show when an engine is made; fail at config time instead.
      SSLEngine probe = ctx.newEngine(ByteBufAllocator.DEFAULT);
      ReferenceCountUtil.release(probe);
      return new DownstreamTls(ctx, requireClient, alpn, protocols);
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), cp, "cannot build the TLS context: " + e.getMessage()
          + (common.getTlsParams().getCipherSuitesCount() > 0 ? " (check tls_params.cipher_suites)" : ""));
    }
  }

  private static List<String> protocols(TlsParameters params, String path) throws ConfigException {
    List<String> all = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");
    int min = switch (params.getTlsMinimumProtocolVersion()) {
      case TLS_AUTO -> 2;
      case TLSv1_0 -> 0;
      case TLSv1_1 -> 1;
      case TLSv1_2 -> 2;
      case TLSv1_3 -> 3;
      default -> throw ConfigException.of(ConfigCode.BAD_ENUM.code(), path + ".tls_minimum_protocol_version", "unknown version");
    };
    int max = switch (params.getTlsMaximumProtocolVersion()) {
      case TLS_AUTO -> 3;
      case TLSv1_0 -> 0;
      case TLSv1_1 -> 1;
      case TLSv1_2 -> 2;
      case TLSv1_3 -> 3;
      default -> throw ConfigException.of(ConfigCode.BAD_ENUM.code(), path + ".tls_maximum_protocol_version", "unknown version");
    };
    if (min > max) {
      throw ConfigException.of(ConfigCode.BAD_ENUM.code(), path, "tls_minimum_protocol_version " + all.get(min)
          + " is above tls_maximum_protocol_version " + all.get(max));
    }
    return all.subList(min, max + 1);
  }
}
