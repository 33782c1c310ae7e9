package io.trellis.proxy.listener;

import io.trellis.common.ConfigException;
import io.trellis.proxy.config.ConfigCode;
import io.trellis.common.Diagnostic;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Picks a listener's filter chain with Envoy's precedence: destination_port, then server_names (exact, then the most
 * specific wildcard, then chains without names), then transport_protocol, then application_protocols; at each step
 * the chains that name the connection's value win over the chains that leave the criterion empty, and there is no
 * backtracking to a less specific step. When nothing matches, the default_filter_chain (or null).
 */
final class FilterChainMatcher {
  private final List<ChainConfig> chains;
  private final ChainConfig defaultChain;

  private FilterChainMatcher(List<ChainConfig> chains, ChainConfig defaultChain) {
    this.chains = chains;
    this.defaultChain = defaultChain;
  }

  /**
   * @param paths each chain's config path, for conflict errors
   * @throws ConfigException when two chains have the same matching rules (Envoy rejects them as well)
   */
  static FilterChainMatcher create(List<ChainConfig> chains, List<String> paths, ChainConfig defaultChain)
      throws ConfigException {
    Map<String, Integer> seen = new HashMap<>();
    List<Diagnostic> problems = new ArrayList<>();
    for (int i = 0; i < chains.size(); i++) {
      ChainConfig c = chains.get(i);
      for (String key : keys(c)) {
        Integer prev = seen.putIfAbsent(key, i);
        if (prev != null && prev != i) {
          problems.add(Diagnostic.at(ConfigCode.DUPLICATE_FILTER_CHAIN_MATCH.code(), paths.get(i) + ".filter_chain_match",
              "filter chain '" + c.name() + "' has the same matching rules as filter chain '"
                  + chains.get(prev).name() + "' (" + paths.get(prev) + "): multiple filter chains with the same "
                  + "matching rules are defined (" + key + ")"));
          break;
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new FilterChainMatcher(List.copyOf(chains), defaultChain);
  }

  private static List<String> keys(ChainConfig c) {
    List<String> out = new ArrayList<>();
    List<String> names = c.serverNames().isEmpty() ? List.of("") : List.copyOf(c.serverNames());
    List<String> alpns = c.applicationProtocols().isEmpty() ? List.of("") : List.copyOf(c.applicationProtocols());
    for (String n : names) {
      for (String a : alpns) {
        out.add("destination_port=" + c.destinationPort() + " server_name='" + n + "' transport_protocol='"
            + c.transportProtocol() + "' application_protocol='" + a + "'");
      }
    }
    return out;
  }

  /** Whether any chain (default included) terminates TLS. */
  boolean anyTls() {
    return chains.stream().anyMatch(c -> c.tls() != null) || defaultChain != null && defaultChain.tls() != null;
  }

  /** The chain for a connection, or null when none matches and there is no default chain. */
  ChainConfig select(int port, String serverName, String transportProtocol, List<String> applicationProtocols) {
    List<ChainConfig> c = narrow(chains, x -> x.destinationPort() == port, x -> x.destinationPort() == 0);
    c = byServerName(c, serverName);
    c = narrow(c, x -> x.transportProtocol().equals(transportProtocol), x -> x.transportProtocol().isEmpty());
    c = narrow(c, x -> applicationProtocols.stream().anyMatch(x.applicationProtocols()::contains),
        x -> x.applicationProtocols().isEmpty());
    return c.isEmpty() ? defaultChain : c.get(0);
  }

  private static List<ChainConfig> byServerName(List<ChainConfig> c, String sni) {
    if (!sni.isEmpty()) {
      List<ChainConfig> exact = filter(c, x -> x.serverNames().contains(sni));
      if (!exact.isEmpty()) {
        return exact;
      }
      for (int dot = sni.indexOf('.'); dot >= 0; dot = sni.indexOf('.', dot + 1)) {
        String wildcard = "*" + sni.substring(dot);
        List<ChainConfig> w = filter(c, x -> x.serverNames().contains(wildcard));
        if (!w.isEmpty()) {
          return w;
        }
      }
    }
    return filter(c, x -> x.serverNames().isEmpty());
  }

  private static List<ChainConfig> narrow(List<ChainConfig> c, Predicate<ChainConfig> exact,
      Predicate<ChainConfig> any) {
    List<ChainConfig> e = filter(c, exact);
    return e.isEmpty() ? filter(c, any) : e;
  }

  private static List<ChainConfig> filter(List<ChainConfig> c, Predicate<ChainConfig> p) {
    List<ChainConfig> out = new ArrayList<>(c.size());
    for (ChainConfig x : c) {
      if (p.test(x)) {
        out.add(x);
      }
    }
    return out;
  }
}
