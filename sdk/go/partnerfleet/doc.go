// Partner-program licensing as code: customer orgs, licenses, add-ons, the support level and the partner profile of a software vendor's partner program.
package partnerfleet
