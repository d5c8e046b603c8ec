/** Durable object storage and watch fan-out over SQLite; the role of upstream's storage/etcd3 and the watch cache. */
package dev.j8s.apiserver.storage;
