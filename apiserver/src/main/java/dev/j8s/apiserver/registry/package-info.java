/** The table of served resources that drives routing and discovery; the role of upstream's API group installers. */
package dev.j8s.apiserver.registry;
