// Command cnits-libcni-driver plays a container runtime over libcni, the
// library containerd and CRI-O use to run CNI plugins. The cni-ts test suite
// runs it to prove the plugins work with a real client; people can use it as
// a cnitool (Debian ships libcni's source but no cnitool binary).
//
// Usage:
//
//	cnits-libcni-driver [flags] add|check|del|cached|validate <net> <netns-path>
//	cnits-libcni-driver [flags] version <plugin-type>
//
// The network list is looked up by name in NETCONFPATH (default
// /etc/cni/net.d, *.conflist then *.conf/*.json) like cnitool does, or read
// from --conf FILE ("-" for stdin), in which case <net> is ignored.
//
// The same environment as cnitool is honoured: CNI_PATH, NETCONFPATH,
// CNI_ARGS ("K=V;K=V"), CAP_ARGS (JSON capability args), CNI_IFNAME
// (default eth0), plus CNI_CONTAINERID and CNI_CACHE_DIR (default
// /var/lib/cni). Flags override the environment.
//
// By default the output is cnitool's: the result JSON on ADD, nothing on
// CHECK/DEL, the error on stderr and exit status 1. With --envelope the
// driver prints one JSON object on stdout for a test to assert:
//
//	{"ok":true,"result":{...}}
//	{"ok":false,"error":{"code":7,"msg":"...","details":"..."},"message":"plugin type=... failed (add): ..."}
//
// This libcni (v1.1.2) has no GC or STATUS: those verbs are rejected.
package main

import (
	"context"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
)

type options struct {
	conf        string
	confDir     string
	cacheDir    string
	containerID string
	ifName      string
	capArgs     string
	cniArgs     string
	cniPath     string
	envelope    bool
}

type envelope struct {
	OK      bool         `json:"ok"`
	Result  interface{}  `json:"result,omitempty"`
	Error   *types.Error `json:"error,omitempty"`
	Message string       `json:"message,omitempty"`
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func main() {
	o := options{}
	fs := flag.NewFlagSet("cnits-libcni-driver", flag.ContinueOnError)
	fs.StringVar(&o.conf, "conf", "", "conflist file to use instead of looking <net> up in NETCONFPATH (\"-\" = stdin)")
	fs.StringVar(&o.confDir, "netconfpath", envOr("NETCONFPATH", "/etc/cni/net.d"), "directory of *.conflist/*.conf files")
	fs.StringVar(&o.cacheDir, "cache-dir", envOr("CNI_CACHE_DIR", libcni.CacheDir), "libcni result cache directory")
	fs.StringVar(&o.containerID, "container-id", os.Getenv("CNI_CONTAINERID"), "container ID (default: derived from the netns path, like cnitool)")
	fs.StringVar(&o.ifName, "ifname", envOr("CNI_IFNAME", "eth0"), "interface name inside the container")
	fs.StringVar(&o.capArgs, "cap-args", os.Getenv("CAP_ARGS"), "capability args as a JSON object (portMappings, bandwidth, ips, mac, ...)")
	fs.StringVar(&o.cniArgs, "args", os.Getenv("CNI_ARGS"), "CNI_ARGS, K=V;K=V")
	fs.StringVar(&o.cniPath, "cni-path", envOr("CNI_PATH", "/opt/cni/bin"), "colon-separated plugin search path")
	fs.BoolVar(&o.envelope, "envelope", false, "print one JSON envelope {ok,result,error} on stdout")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s [flags] add|check|del|cached|validate <net> <netns-path>\n       %s [flags] version <plugin-type>\n", os.Args[0], os.Args[0])
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	rest := fs.Args()
	if len(rest) < 2 {
		fs.Usage()
		os.Exit(2)
	}
	result, err := run(o, rest)
	os.Exit(report(o, result, err))
}

func report(o options, result interface{}, err error) int {
	if o.envelope {
		env := envelope{OK: err == nil, Result: result}
		if err != nil {
			env.Message = err.Error()
			var cniErr *types.Error
			if errors.As(err, &cniErr) {
				env.Error = cniErr
			}
		}
		out, _ := json.Marshal(env)
		fmt.Println(string(out))
		if err != nil {
			return 1
		}
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if result != nil {
		out, _ := json.MarshalIndent(result, "", "    ")
		fmt.Println(string(out))
	}
	return 0
}

func run(o options, rest []string) (interface{}, error) {
	verb := rest[0]
	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(o.cniPath), o.cacheDir, nil)
	ctx := context.Background()

	if verb == "version" {
		info, err := cni.GetVersionInfo(ctx, rest[1])
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"supportedVersions": info.SupportedVersions()}, nil
	}
	if verb == "gc" || verb == "status" {
		return nil, fmt.Errorf("%s: not available in this libcni (v1.1.2 predates CNI 1.1.0's GC and STATUS)", verb)
	}

	list, err := loadList(o, rest[1])
	if err != nil {
		return nil, err
	}
	if verb == "validate" {
		caps, err := cni.ValidateNetworkList(ctx, list)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"capabilities": caps}, nil
	}
	if len(rest) < 3 {
		return nil, fmt.Errorf("%s needs <net> <netns-path>", verb)
	}
	rt, err := runtimeConf(o, rest[2])
	if err != nil {
		return nil, err
	}

	switch verb {
	case "add":
		res, err := cni.AddNetworkList(ctx, list, rt)
		if err != nil {
			return nil, err
		}
		return res, nil
	case "check":
		return nil, cni.CheckNetworkList(ctx, list, rt)
	case "del":
		return nil, cni.DelNetworkList(ctx, list, rt)
	case "cached":
		res, err := cni.GetNetworkListCachedResult(list, rt)
		if err != nil {
			return nil, err
		}
		return res, nil
	}
	return nil, fmt.Errorf("unknown verb %q", verb)
}

func loadList(o options, name string) (*libcni.NetworkConfigList, error) {
	if o.conf == "" {
		return libcni.LoadConfList(o.confDir, name)
	}
	var data []byte
	var err error
	if o.conf == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(o.conf)
	}
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("conf: %w", err)
	}
	if _, isList := probe["plugins"]; isList {
		return libcni.ConfListFromBytes(data)
	}
	single, err := libcni.ConfFromBytes(data)
	if err != nil {
		return nil, err
	}
	return libcni.ConfListFromConf(single)
}

func runtimeConf(o options, netns string) (*libcni.RuntimeConf, error) {
	rt := &libcni.RuntimeConf{
		ContainerID: o.containerID,
		NetNS:       netns,
		IfName:      o.ifName,
	}
	if rt.ContainerID == "" {
		// cnitool's choice: a stable ID derived from the namespace path.
		rt.ContainerID = fmt.Sprintf("cnitool-%x", sha512.Sum512([]byte(netns)))[:len("cnitool-")+20]
	}
	if o.cniArgs != "" {
		for _, pair := range strings.Split(o.cniArgs, ";") {
			if pair == "" {
				continue
			}
			kv := strings.SplitN(pair, "=", 2)
			if len(kv) != 2 {
				return nil, fmt.Errorf("invalid CNI_ARGS pair %q", pair)
			}
			rt.Args = append(rt.Args, [2]string{kv[0], kv[1]})
		}
	}
	if o.capArgs != "" {
		if err := json.Unmarshal([]byte(o.capArgs), &rt.CapabilityArgs); err != nil {
			return nil, fmt.Errorf("invalid CAP_ARGS: %w", err)
		}
	}
	return rt, nil
}
