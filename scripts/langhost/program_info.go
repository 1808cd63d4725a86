// Added by partnerfleet's scripts/install-pulumi to the Python language host of sdk v3.79.0.
//
// Engines since about v3.100 start a plugin (a policy pack) through RunPlugin with the plugin's
// directory in the `info` field (a ProgramInfo, field 5) and leave the deprecated `program`
// field empty; this host's generated messages predate `info`, so the field arrives as an
// unknown field. programFromInfo reads it, so the host runs the pack instead of the Pulumi
// program in `pwd`.

package main

import (
	"path/filepath"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/encoding/protowire"
)

const (
	runPluginInfoField    = 5 // RunPluginRequest.info
	programDirectoryField = 2 // ProgramInfo.program_directory
	entryPointField       = 3 // ProgramInfo.entry_point
)

// pluginProgram is the program RunPlugin should run: the deprecated field when an older engine
// set it, else the directory (and entry point) of the ProgramInfo a newer engine sent.
func pluginProgram(req *pulumirpc.RunPluginRequest) string {
	if req.Program != "" {
		return req.Program
	}
	info, ok := bytesField(req.ProtoReflect().GetUnknown(), runPluginInfoField)
	if !ok {
		return ""
	}
	dir, _ := bytesField(info, programDirectoryField)
	entry, _ := bytesField(info, entryPointField)
	if len(entry) > 0 && string(entry) != "." {
		return filepath.Join(string(dir), string(entry))
	}
	return string(dir)
}

// bytesField finds the length-delimited field `number` in the encoded message `raw`.
func bytesField(raw []byte, number protowire.Number) ([]byte, bool) {
	for len(raw) > 0 {
		num, typ, n := protowire.ConsumeTag(raw)
		if n < 0 {
			return nil, false
		}
		raw = raw[n:]
		if num == number && typ == protowire.BytesType {
			value, m := protowire.ConsumeBytes(raw)
			return value, m >= 0
		}
		m := protowire.ConsumeFieldValue(num, typ, raw)
		if m < 0 {
			return nil, false
		}
		raw = raw[m:]
	}
	return nil, false
}
