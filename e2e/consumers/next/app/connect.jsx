"use client";

// Importing the package on the server (this component is rendered there too) must define nothing
// and throw nothing; in the browser it defines <zapi-connect>.
import "zapi-connect";

export default function Connect() {
  return <zapi-connect relay="/zapi"></zapi-connect>;
}
