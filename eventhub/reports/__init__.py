"""Reports: registrations and attendance per region, organization, format, month and event,
with a bar chart and CSV/XLSX downloads that hide small numbers."""
