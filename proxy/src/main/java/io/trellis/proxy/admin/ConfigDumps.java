package io.trellis.proxy.admin;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.Listeners;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.trellis.api.ApiTypes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds Envoy's {@code /config_dump} ({@link ConfigDump} of {@link BootstrapConfigDump}, {@link ClustersConfigDump}
 * static_clusters and {@link ListenersConfigDump} static_listeners) from the effective bootstrap, and prints admin
 * protos as JSON with proto field names, as Envoy does.
 */
final class ConfigDumps {
  /** The admin dump types themselves, beside every extension type Trellis supports. */
  private static final List<Descriptor> DUMP_TYPES = List.of(ConfigDump.getDescriptor(),
      BootstrapConfigDump.getDescriptor(), ClustersConfigDump.getDescriptor(), ListenersConfigDump.getDescriptor(),
      Bootstrap.getDescriptor(), Cluster.getDescriptor(), Listener.getDescriptor(), ServerInfo.getDescriptor(),
      Clusters.getDescriptor(), Listeners.getDescriptor(),
      io.envoyproxy.envoy.admin.v3.Memory.getDescriptor());

  /** Resolved descriptors of type URLs met inside a dump that the registry did not list; see {@link #registryFor}. */
  private static final Map<String, Optional<Descriptor>> EXTRA = new ConcurrentHashMap<>();

  private ConfigDumps() {}

  static ConfigDump configDump(Bootstrap bootstrap, Timestamp lastUpdated) {
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    dump.addConfigs(Any.pack(BootstrapConfigDump.newBuilder().setBootstrap(bootstrap).setLastUpdated(lastUpdated)
        .build()));
    ClustersConfigDump.Builder clusters = ClustersConfigDump.newBuilder();
    for (Cluster c : bootstrap.getStaticResources().getClustersList()) {
      clusters.addStaticClusters(ClustersConfigDump.StaticCluster.newBuilder().setCluster(Any.pack(c))
          .setLastUpdated(lastUpdated));
    }
    dump.addConfigs(Any.pack(clusters.build()));
    ListenersConfigDump.Builder listeners = ListenersConfigDump.newBuilder();
    for (Listener l : bootstrap.getStaticResources().getListenersList()) {
      listeners.addStaticListeners(ListenersConfigDump.StaticListener.newBuilder().setListener(Any.pack(l))
          .setLastUpdated(lastUpdated));
    }
    dump.addConfigs(Any.pack(listeners.build()));
    return dump.build();
  }

  /**
   * Envoy's {@code ?resource=NAME}: a {@link ConfigDump} whose configs are the items of that repeated field of the
   * dump types ({@code static_clusters}, {@code static_listeners}), or empty when no dump type has that field.
   */
  static Optional<ConfigDump> resource(ConfigDump full, String field) {
    ConfigDump.Builder out = ConfigDump.newBuilder();
    boolean found = false;
    for (Any config : full.getConfigsList()) {
      Message m = unpack(config);
      FieldDescriptor f = m.getDescriptorForType().findFieldByName(field);
      if (f == null || !f.isRepeated() || f.getType() != FieldDescriptor.Type.MESSAGE) {
        continue;
      }
      found = true;
      for (int i = 0; i < m.getRepeatedFieldCount(f); i++) {
        out.addConfigs(Any.pack((Message) m.getRepeatedField(f, i)));
      }
    }
    return found ? Optional.of(out.build()) : Optional.empty();
  }

  private static Message unpack(Any any) {
    try {
      for (Descriptor d : DUMP_TYPES) {
        if (any.getTypeUrl().endsWith("/" + d.getFullName())) {
          return switch (d.getName()) {
            case "BootstrapConfigDump" -> any.unpack(BootstrapConfigDump.class);
            case "ClustersConfigDump" -> any.unpack(ClustersConfigDump.class);
            case "ListenersConfigDump" -> any.unpack(ListenersConfigDump.class);
            default -> Any.getDefaultInstance();
          };
        }
      }
      return Any.getDefaultInstance();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Envoy-style JSON: proto field names, two-space indent. */
  static String json(Message m) {
    try {
      return JsonFormat.printer().usingTypeRegistry(registryFor(m)).preservingProtoFieldNames().print(m) + "\n";
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + m.getDescriptorForType().getFullName() + ": " + e.getMessage(),
          e);
    }
  }

  /**
   * The dump types plus {@link ApiTypes#SUPPORTED_EXTENSIONS}, plus the type of every other {@code Any} inside
   * {@code m} that names a generated Envoy class (so a dump never fails on a type the validator let through).
   */
  static JsonFormat.TypeRegistry registryFor(Message m) {
    JsonFormat.TypeRegistry.Builder b = JsonFormat.TypeRegistry.newBuilder().add(ApiTypes.SUPPORTED_EXTENSIONS)
        .add(DUMP_TYPES);
    List<Descriptor> extra = new ArrayList<>();
    collectAnyTypes(m, extra, new LinkedHashMap<>());
    return b.add(extra).build();
  }

  private static void collectAnyTypes(Message m, List<Descriptor> out, Map<String, Boolean> seen) {
    if (m instanceof Any any) {
      String url = any.getTypeUrl();
      Optional<Descriptor> d = ApiTypes.forTypeUrl(url).or(() -> EXTRA.computeIfAbsent(url, ConfigDumps::byClass));
      if (d.isPresent() && seen.putIfAbsent(url, true) == null) {
        out.add(d.get());
        try {
          Message inner = com.google.protobuf.DynamicMessage.parseFrom(d.get(), any.getValue());
          collectAnyTypes(inner, out, seen);
        } catch (InvalidProtocolBufferException e) {
          // printing will report it
        }
      }
      return;
    }
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      if (e.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
        continue;
      }
      if (e.getKey().isRepeated()) {
        for (Object o : (List<?>) e.getValue()) {
          collectAnyTypes((Message) o, out, seen);
        }
      } else {
        collectAnyTypes((Message) e.getValue(), out, seen);
      }
    }
  }

  /** {@code type.googleapis.com/envoy.x.v3.Foo} to the generated class {@code io.envoyproxy.envoy.x.v3.Foo}. */
  private static Optional<Descriptor> byClass(String typeUrl) {
    String full = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    List<String> candidates = List.of("io.envoyproxy." + full, "com.github.udpa." + full, "io.envoyproxy.pgv." + full,
        "com." + full);
    for (String cls : candidates) {
      try {
        Class<?> c = Class.forName(cls, false, ConfigDumps.class.getClassLoader());
        if (Message.class.isAssignableFrom(c)) {
          return Optional.of((Descriptor) c.getMethod("getDescriptor").invoke(null));
        }
      } catch (ReflectiveOperationException | LinkageError e) {
        // try the next
      }
    }
    return Optional.empty();
  }
}
