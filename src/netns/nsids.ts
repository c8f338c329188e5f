// Namespace ids turned back into namespaces: a link whose other end lives in
// another namespace reports it as link_netnsid, a number that means
// something only in the namespace reporting it. Whoever holds handles on
// namespaces (the manager) can ask which of them carries that number.
import type { Link } from '../netlink/rtnl/link/codec.js';
import type { Rtnl } from '../netlink/rtnl/rtnl.js';
import type { Namespace } from './namespace.js';

/** The namespace among `known` that the namespace of `client` calls `nsid`; undefined when none does. */
export async function namespaceOfNsid(client: Rtnl, known: Namespace[], nsid: number): Promise<Namespace | undefined> {
  for (const ns of known) {
    if (!ns.isOpen) continue;
    if ((await client.nsid.get(ns.fd)) === nsid) return ns;
  }
  return undefined;
}

/**
 * Where the link `link` names (a veth's peer, a macvlan's lower device)
 * lives, seen from `here`: `here` itself when the link reports no
 * link_netnsid, the namespace of that id among `known` otherwise; undefined
 * when the link names no other link or the id is of a namespace not known.
 */
export async function linkNamespace(client: Rtnl, here: Namespace, known: Namespace[], link: Link): Promise<Namespace | undefined> {
  if (link.link_netnsid === undefined) return link.link === undefined ? undefined : here;
  return namespaceOfNsid(client, known, link.link_netnsid);
}
