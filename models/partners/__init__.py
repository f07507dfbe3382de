"""Trading partners (customers, distributors, suppliers), their users and tokens, who may see what, and master-data
import."""
