package io.trellis.proxy.tls;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads Envoy {@code DataSource}s ({@code filename}, {@code inline_string}, {@code inline_bytes},
 * {@code environment_variable}) and parses PEM certificates from them. Call at config time only, never on an event
 * loop: {@code filename} reads the file. Errors are {@link ConfigException}s that name the field path.
 */
public final class TlsFiles {

  private TlsFiles() {}

  /** The bytes of {@code source}; {@code path} is the DataSource's path in the config, for errors. */
  public static byte[] load(DataSource source, String path) throws ConfigException {
    return switch (source.getSpecifierCase()) {
      case FILENAME -> {
        try {
          yield Files.readAllBytes(Path.of(source.getFilename()));
        } catch (IOException | RuntimeException e) {
          throw ConfigException.of(ConfigCode.CANNOT_READ.code(), path + ".filename",
              "cannot read '" + source.getFilename() + "': " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
      case INLINE_STRING -> source.getInlineString().getBytes(StandardCharsets.UTF_8);
      case INLINE_BYTES -> source.getInlineBytes().toByteArray();
      case ENVIRONMENT_VARIABLE -> {
        String v = System.getenv(source.getEnvironmentVariable());
        if (v == null) {
          throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), path + ".environment_variable",
              "environment variable '" + source.getEnvironmentVariable() + "' is not set");
        }
        yield v.getBytes(StandardCharsets.UTF_8);
      }
      case SPECIFIER_NOT_SET -> throw ConfigException.of(ConfigCode.MISSING_VALUE.code(), path,
          "data source is empty (set one of filename, inline_string, inline_bytes, environment_variable)");
    };
  }

  /** A short description of where the data came from, for logs ("file /etc/certs/ca.pem", "inline"). */
  public static String describe(DataSource source) {
    return switch (source.getSpecifierCase()) {
      case FILENAME -> "file " + source.getFilename();
      case ENVIRONMENT_VARIABLE -> "environment variable " + source.getEnvironmentVariable();
      default -> "inline data";
    };
  }

  /** Parses one or more PEM (or DER) certificates; fails when there is none. */
  public static List<X509Certificate> certificates(byte[] pem, String path) throws ConfigException {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      List<X509Certificate> out = new ArrayList<>();
      for (var c : cf.generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), path, "no PEM certificate found");
      }
      return List.copyOf(out);
    } catch (CertificateException e) {
      throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), path, "not a valid PEM certificate: " + e.getMessage());
    }
  }

  /** Loads {@code source} and parses its certificates. */
  public static List<X509Certificate> certificates(DataSource source, String path) throws ConfigException {
    return certificates(load(source, path), path);
  }

  /** Checks that {@code pem} looks like a PEM private key (the SSL engine parses it); returns it. */
  public static byte[] privateKey(DataSource source, String path) throws ConfigException {
    byte[] pem = load(source, path);
    String text = new String(pem, StandardCharsets.US_ASCII);
    if (!text.contains("-----BEGIN") || !text.contains("PRIVATE KEY-----")) {
      throw ConfigException.of(ConfigCode.BAD_FORMAT.code(), path, "not a PEM private key (expected '-----BEGIN ... PRIVATE KEY-----')");
    }
    return pem;
  }
}
