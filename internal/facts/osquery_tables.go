package facts

// osqueryColumns are the documented columns of the osquery tables estate
// reads or recognises (osquery 5.23.1 schema, osquery.io/schema). A file
// said to hold one of these tables must have rows with these columns only.
var osqueryColumns = map[string][]string{
	"alf":                     {"allow_signed_enabled", "firewall_unload", "global_state", "logging_enabled", "logging_option", "stealth_enabled", "version"},
	"screenlock":              {"enabled", "grace_period"},
	"preferences":             {"domain", "key", "subkey", "value", "forced", "username", "host"},
	"iptables":                {"filter_name", "chain", "policy", "target", "protocol", "src_port", "dst_port", "src_ip", "src_mask", "iniface", "iniface_mask", "dst_ip", "dst_mask", "outiface", "outiface_mask", "match", "packets", "bytes"},
	"windows_firewall_rules":  {"name", "app_name", "action", "enabled", "grouping", "direction", "protocol", "local_addresses", "remote_addresses", "local_ports", "remote_ports", "icmp_types_codes", "profile_domain", "profile_private", "profile_public", "service_name"},
	"apps":                    {"name", "path", "bundle_executable", "bundle_identifier", "bundle_name", "bundle_short_version", "bundle_version", "bundle_package_type", "environment", "element", "compiler", "development_region", "display_name", "info_string", "minimum_system_version", "category", "applescript_enabled", "copyright", "last_opened_time"},
	"bitlocker_info":          {"device_id", "drive_letter", "persistent_volume_id", "conversion_status", "protection_status", "encryption_method", "version", "percentage_encrypted", "lock_status"},
	"chassis_info":            {"audible_alarm", "breach_description", "chassis_types", "description", "lock", "manufacturer", "model", "security_breach", "serial", "smbios_tag", "sku", "status", "visible_alarm"},
	"chocolatey_packages":     {"name", "version", "summary", "author", "license", "path"},
	"deb_packages":            {"name", "version", "source", "size", "arch", "revision", "status", "maintainer", "section", "priority", "admindir", "pid_with_namespace", "mount_namespace_id"},
	"disk_encryption":         {"name", "uuid", "encrypted", "type", "encryption_status", "uid", "user_uuid", "filevault_status"},
	"disk_info":               {"partitions", "disk_index", "type", "id", "pnp_device_id", "disk_size", "manufacturer", "hardware_model", "name", "serial", "description"},
	"homebrew_packages":       {"name", "path", "version", "type", "auto_updates", "app_name", "prefix"},
	"interface_addresses":     {"interface", "address", "mask", "broadcast", "point_to_point", "type", "friendly_name"},
	"interface_details":       {"interface", "mac", "type", "mtu", "metric", "flags", "ipackets", "opackets", "ibytes", "obytes", "ierrors", "oerrors", "idrops", "odrops", "collisions", "last_change", "link_speed", "pci_slot", "friendly_name", "description", "manufacturer", "connection_id", "connection_status", "enabled", "physical_adapter", "speed", "service", "dhcp_enabled", "dhcp_lease_expires", "dhcp_lease_obtained", "dhcp_server", "dns_domain", "dns_domain_suffix_search_order", "dns_host_name", "dns_server_search_order"},
	"kernel_info":             {"version", "arguments", "path", "device"},
	"logged_in_users":         {"type", "user", "tty", "host", "time", "pid", "sid", "registry_hive"},
	"os_version":              {"name", "version", "major", "minor", "patch", "build", "platform", "platform_like", "codename", "arch", "extra", "install_date", "revision", "pid_with_namespace", "mount_namespace_id"},
	"osquery_info":            {"pid", "uuid", "instance_id", "version", "config_hash", "config_valid", "extensions", "build_platform", "build_distro", "start_time", "watcher", "platform_mask"},
	"platform_info":           {"vendor", "version", "date", "revision", "extra", "firmware_type", "address", "size", "volume_size"},
	"programs":                {"name", "version", "install_location", "install_source", "language", "publisher", "uninstall_string", "install_date", "identifying_number", "package_family_name", "upgrade_code"},
	"rpm_packages":            {"name", "version", "release", "source", "size", "sha1", "arch", "epoch", "install_time", "vendor", "package_group", "pid_with_namespace", "mount_namespace_id"},
	"secureboot":              {"secure_boot", "secure_mode", "description", "kernel_extensions", "mdm_operations", "setup_mode"},
	"system_info":             {"hostname", "uuid", "cpu_type", "cpu_subtype", "cpu_brand", "cpu_physical_cores", "cpu_logical_cores", "cpu_sockets", "cpu_microcode", "physical_memory", "hardware_vendor", "hardware_model", "hardware_version", "hardware_serial", "board_vendor", "board_model", "board_version", "board_serial", "computer_name", "local_hostname", "emulated_cpu_type"},
	"uptime":                  {"days", "hours", "minutes", "seconds", "total_seconds"},
	"users":                   {"uid", "gid", "uid_signed", "gid_signed", "username", "description", "directory", "shell", "uuid", "type", "is_hidden", "pid_with_namespace", "include_remote"},
	"windows_security_center": {"firewall", "autoupdate", "antivirus", "antispyware", "internet_settings", "windows_security_center_service", "user_account_control"},
}
