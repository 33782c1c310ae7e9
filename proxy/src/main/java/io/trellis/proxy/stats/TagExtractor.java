package io.trellis.proxy.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Envoy's default tag extraction: turns a flat stat name such as {@code cluster.backend.upstream_rq_2xx} into a tag-
 * extracted name {@code cluster.upstream_rq_xx} and tags {@code envoy.response_code_class=2},
 * {@code envoy.cluster_name=backend}, for Prometheus output.
 *
 * <p>Each rule is a regex whose first capture group is removed from the name and whose second group (or the first
 * when there is only one) is the tag value. As in Envoy, rules that are not anchored to a first name token run first,
 * then the anchored ones in their declared order; each later rule sees the name the earlier ones left. Results are
 * cached per stat name, since stat names are fixed when config is applied.
 */
public final class TagExtractor {
  /** One extracted tag, e.g. {@code envoy.cluster_name=backend}. */
  public record Tag(String name, String value) {}

  /** The tag-extracted name and the tags, in extraction order. */
  public record Extracted(String name, List<Tag> tags) {}

  private record Rule(String tagName, String prefix, Pattern pattern) {}

  private static final String ADDRESS =
      "(?:\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}_\\d+|\\[[_aAbBcCdDeEfF0-9]+\\]_\\d+)";
  private static final String NAME = "[^.]+";

  private static final TagExtractor ENVOY_DEFAULTS = new TagExtractor(List.of(
      // Unanchored rules (Envoy applies these before the prefix-anchored ones).
      new Rule("envoy.response_code", null, Pattern.compile("_rq(_(\\d{3}))$")),
      new Rule("envoy.response_code_class", null, Pattern.compile("_rq_(\\d)xx$")),
      // Anchored rules, most specific first.
      new Rule("envoy.cluster_name", "cluster", Pattern.compile("^cluster\\.((.+?)\\.)")),
      new Rule("envoy.worker_id", "listener_manager", Pattern.compile("^listener_manager\\.(worker_(\\d+)\\.)")),
      new Rule("envoy.worker_id", "listener", Pattern.compile("^listener\\..*?\\.(worker_(\\d+)\\.)")),
      new Rule("envoy.http_user_agent", "http",
          Pattern.compile("^http\\." + NAME + "\\.user_agent\\.((" + NAME + ")\\.)\\w+?$")),
      new Rule("envoy.rds_route_config", "http",
          Pattern.compile("^http\\." + NAME + "\\.rds\\.(([\\w.-]+?)\\.)\\w+?$")),
      new Rule("envoy.ssl_cipher", "listener", Pattern.compile("^listener\\..*?\\.ssl\\.cipher(\\.([0-9A-Za-z_-]+))$")),
      new Rule("envoy.ssl_cipher_suite", "cluster",
          Pattern.compile("^cluster\\.ssl\\.ciphers(\\.([0-9A-Za-z_-]+))$")),
      new Rule("envoy.http_conn_manager_prefix", "http", Pattern.compile("^http\\.((" + NAME + ")\\.)")),
      new Rule("envoy.http_conn_manager_prefix", "listener",
          Pattern.compile("^listener\\..*?\\.http\\.((" + NAME + ")\\.)")),
      new Rule("envoy.virtual_cluster", "vhost",
          Pattern.compile("^vhost\\." + NAME + "\\.vcluster\\.((" + NAME + ")\\.)")),
      new Rule("envoy.virtual_host", "vhost", Pattern.compile("^vhost\\.((" + NAME + ")\\.)")),
      new Rule("envoy.listener_address", "listener", Pattern.compile("^listener\\.((" + ADDRESS + ")\\.)")),
      new Rule("envoy.tcp_prefix", "tcp", Pattern.compile("^tcp\\.((" + NAME + ")\\.)")),
      new Rule("envoy.ratelimit_prefix", "ratelimit", Pattern.compile("^ratelimit\\.((" + NAME + ")\\.)")),
      new Rule("envoy.local_http_ratelimit_prefix", "http_local_rate_limit",
          Pattern.compile("^http_local_rate_limit\\.((" + NAME + ")\\.)")),
      new Rule("envoy.local_network_ratelimit_prefix", "local_rate_limit",
          Pattern.compile("^local_rate_limit\\.((" + NAME + ")\\.)"))));

  private final List<Rule> rules;
  private final Map<String, Extracted> cache = new ConcurrentHashMap<>();

  private TagExtractor(List<Rule> rules) {
    this.rules = rules;
  }

  /** Envoy's default tags (use_all_default_tags). */
  public static TagExtractor envoyDefaults() {
    return ENVOY_DEFAULTS;
  }

  public Extracted extract(String statName) {
    Extracted e = cache.get(statName);
    if (e == null) {
      e = compute(statName);
      if (cache.size() < 100_000) {
        cache.put(statName, e);
      }
    }
    return e;
  }

  private Extracted compute(String statName) {
    String name = statName;
    List<Tag> tags = new ArrayList<>(2);
    for (Rule rule : rules) {
      if (rule.prefix() != null && !(name.startsWith(rule.prefix()) && name.length() > rule.prefix().length()
          && name.charAt(rule.prefix().length()) == '.')) {
        continue;
      }
      Matcher m = rule.pattern().matcher(name);
      if (!m.find()) {
        continue;
      }
      int valueGroup = m.groupCount() >= 2 ? 2 : 1;
      String value = m.group(valueGroup);
      if (value == null || value.isEmpty()) {
        continue;
      }
      tags.add(new Tag(rule.tagName(), value));
      name = name.substring(0, m.start(1)) + name.substring(m.end(1));
    }
    return new Extracted(name, List.copyOf(tags));
  }
}
