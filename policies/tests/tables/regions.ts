/** Phase 4's regions in the fixtures: the EU primary region's database servers and the standby regions' (documentation ranges). */

export const EU = { private: ["10.0.1.11", "10.0.1.12"], public: ["203.0.113.11", "203.0.113.12"] };
export const US_EAST = { private: ["10.1.1.21", "10.1.1.22"], public: ["198.51.100.21", "198.51.100.22"] };
export const US_WEST = { public: ["192.0.2.31"], publicV6: ["2001:db8:30::31"] };
/** The standby regions' database servers as exact firewall and pg_hba sources. */
export const PEERS = [...US_EAST.public, ...US_WEST.public].map((a) => `${a}/32`);
