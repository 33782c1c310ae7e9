package io.trellis.proxy.listener;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Peeks at a TLS ClientHello without consuming it (tls_inspector): tells TLS from anything else and reads SNI and the
 * ALPN offers. The ClientHello may span several TLS records; all record payloads are joined up to the handshake length.
 *
 * @param status {@link Status#TLS} when a whole ClientHello was read
 * @param serverName SNI host name, "" when none
 * @param alpn the client's ALPN offers in its order, empty when none
 */
record ClientHello(Status status, String serverName, List<String> alpn) {
  enum Status { NEED_MORE, NOT_TLS, TLS }

  static final ClientHello NEED_MORE = new ClientHello(Status.NEED_MORE, "", List.of());
  static final ClientHello NOT_TLS = new ClientHello(Status.NOT_TLS, "", List.of());

  private static final int HANDSHAKE = 22;
  private static final int CLIENT_HELLO = 1;

  /** Parses what is readable in {@code in} (reader index untouched). */
  static ClientHello parse(ByteBuf in) {
    int start = in.readerIndex();
    int end = in.writerIndex();
    if (end - start < 1) {
      return NEED_MORE;
    }
    if (in.getUnsignedByte(start) != HANDSHAKE) {
      return NOT_TLS;
    }
    if (end - start >= 2 && in.getUnsignedByte(start + 1) != 3) {
      return NOT_TLS;
    }
    // Join record payloads until the handshake message is complete.
    byte[] hs = null;
    int have = 0;
    int need = -1;
    int pos = start;
    while (true) {
      if (end - pos < 5) {
        return NEED_MORE;
      }
      if (in.getUnsignedByte(pos) != HANDSHAKE || in.getUnsignedByte(pos + 1) != 3) {
        return NOT_TLS;
      }
      int len = in.getUnsignedShort(pos + 3);
      if (len == 0 || len > 16384 + 2048) {
        return NOT_TLS;
      }
      if (end - pos - 5 < len) {
        return NEED_MORE;
      }
      if (hs == null) {
        if (in.getUnsignedByte(pos + 5) != CLIENT_HELLO || len < 4) {
          return NOT_TLS;
        }
        need = 4 + in.getUnsignedMedium(pos + 6);
        hs = new byte[need];
      }
      int take = Math.min(len, need - have);
      in.getBytes(pos + 5, hs, have, take);
      have += take;
      pos += 5 + len;
      if (have >= need) {
        break;
      }
    }
    try {
      return parseHello(hs);
    } catch (IndexOutOfBoundsException e) {
      return NOT_TLS;
    }
  }

  private static ClientHello parseHello(byte[] b) {
    int p = 4;       // handshake header
    p += 2 + 32;     // client_version, random
    p += 1 + u8(b, p);                  // session_id
    p += 2 + u16(b, p);                 // cipher_suites
    p += 1 + u8(b, p);                  // compression_methods
    String sni = "";
    List<String> alpn = List.of();
    if (p + 2 > b.length) {
      return new ClientHello(Status.TLS, sni, alpn);
    }
    int extEnd = p + 2 + u16(b, p);
    p += 2;
    while (p + 4 <= extEnd) {
      int type = u16(b, p);
      int len = u16(b, p + 2);
      int data = p + 4;
      if (type == 0) {                  // server_name
        int q = data + 2;
        int listEnd = q + u16(b, data);
        while (q + 3 <= listEnd) {
          int nameType = u8(b, q);
          int nameLen = u16(b, q + 1);
          if (nameType == 0) {
            sni = new String(b, q + 3, nameLen, StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
            break;
          }
          q += 3 + nameLen;
        }
      } else if (type == 16) {          // application_layer_protocol_negotiation
        List<String> offers = new ArrayList<>();
        int q = data + 2;
        int listEnd = q + u16(b, data);
        while (q < listEnd) {
          int n = u8(b, q);
          offers.add(new String(b, q + 1, n, StandardCharsets.US_ASCII));
          q += 1 + n;
        }
        alpn = List.copyOf(offers);
      }
      p = data + len;
    }
    return new ClientHello(Status.TLS, sni, alpn);
  }

  private static int u8(byte[] b, int i) {
    return b[i] & 0xff;
  }

  private static int u16(byte[] b, int i) {
    return ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
  }
}
